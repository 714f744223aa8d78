using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Storage;

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>FileSystem (the embedded default).</summary>
    [AllowedValues("FileSystem")] public string Kind { get; set; } = "FileSystem";

    /// <summary>Root folder of the file-system store; relative paths are taken from the working directory.</summary>
    public string Root { get; set; } = "outputs";

    /// <summary>Largest output accepted; a bigger download is aborted, not stored.</summary>
    [Range(1, long.MaxValue)] public long MaxOutputBytes { get; set; } = 64L * 1024 * 1024;
}
