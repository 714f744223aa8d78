using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Storage;

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string FileSystem = "FileSystem";
    public const string AzureBlob = "AzureBlob";

    /// <summary>FileSystem (the embedded default) or AzureBlob.</summary>
    [AllowedValues(FileSystem, AzureBlob)] public string Kind { get; set; } = FileSystem;

    /// <summary>Root folder of the file-system store; relative paths are taken from the working directory.</summary>
    public string Root { get; set; } = "outputs";

    /// <summary>Azure Blob: a connection string as the Azure SDK takes it (account key or SAS; <c>UseDevelopmentStorage=true</c>). Secret.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Azure Blob container; created at start-up when the connection string has the account key.</summary>
    public string Container { get; set; } = "outputs";

    /// <summary>Azure Blob: an optional folder inside the container, e.g. <c>catalogue/2027</c>.</summary>
    public string? Prefix { get; set; }

    /// <summary>Azure Blob: the bytes held in memory per copy; larger outputs go up in blocks of this size.</summary>
    [Range(64 * 1024, 100 * 1024 * 1024)] public int BlockSizeBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Largest output accepted; a bigger download is aborted, not stored.</summary>
    [Range(1, long.MaxValue)] public long MaxOutputBytes { get; set; } = 64L * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Kind == AzureBlob && string.IsNullOrWhiteSpace(ConnectionString))
            yield return new("Storage__Kind=AzureBlob needs Storage__ConnectionString (an account-key or SAS connection string, or UseDevelopmentStorage=true)", [nameof(ConnectionString)]);
        if (Kind == AzureBlob && (Container.Length is < 3 or > 63 || !Container.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
            yield return new($"Storage__Container '{Container}' is not a valid container name (3–63 lower-case letters, digits and hyphens)", [nameof(Container)]);
    }

    /// <summary>Never the connection string: it holds the account key or a SAS.</summary>
    public override string ToString() => $"Storage({Kind}, {(Kind == AzureBlob ? $"container {Container}" : $"root {Root}")})";
}
