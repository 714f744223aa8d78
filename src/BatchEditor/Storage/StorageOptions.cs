using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Storage;

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string FileSystem = "FileSystem";
    public const string AzureBlob = "AzureBlob";

    /// <summary>FileSystem (the embedded default) or AzureBlob.</summary>
    [AllowedValues(FileSystem, AzureBlob)] public string Kind { get; set; } = FileSystem;

    /// <summary>
    /// Root folder of the file-system store; relative paths are taken from the working directory. By default the user's
    /// data folder (<c>$XDG_DATA_HOME/batch-editor/outputs</c>, else <c>~/.local/share/batch-editor/outputs</c>), never the
    /// folder a command happens to run in (a source tree, a deploy folder).
    /// </summary>
    public string Root { get; set; } = DefaultRoot;

    public static string DefaultRoot =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "batch-editor", "outputs");

    /// <summary>Azure Blob: a connection string as the Azure SDK takes it (account key or SAS; <c>UseDevelopmentStorage=true</c>). Secret.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Azure Blob without a shared key: the account's blob endpoint (<c>https://&lt;account&gt;.blob.core.windows.net</c>),
    /// signed in with an Azure identity (managed identity, workload identity, environment credentials, Azure CLI).
    /// </summary>
    public string? AccountUrl { get; set; }

    /// <summary>Azure Blob with <see cref="AccountUrl"/>: the client id of a user-assigned managed identity (or of the workload identity).</summary>
    public string? ClientId { get; set; }

    /// <summary>The longest an output link may live (links are read-only and per blob). At most 7 days, what Azure allows an identity's links.</summary>
    public TimeSpan MaxLinkLifetime { get; set; } = LongestLink;

    public static readonly TimeSpan LongestLink = TimeSpan.FromDays(7);

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
        if (Kind == AzureBlob && string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(AccountUrl))
            yield return new("Storage__Kind=AzureBlob needs Storage__ConnectionString (an account-key or SAS connection string, or UseDevelopmentStorage=true) " +
                             "or Storage__AccountUrl (https://<account>.blob.core.windows.net, signed in with an Azure identity)", [nameof(ConnectionString)]);
        if (!string.IsNullOrWhiteSpace(ConnectionString) && !string.IsNullOrWhiteSpace(AccountUrl))
            yield return new("Storage__ConnectionString and Storage__AccountUrl are both set: keep the one that says how to sign in", [nameof(AccountUrl)]);
        if (!string.IsNullOrWhiteSpace(AccountUrl) && (!Uri.TryCreate(AccountUrl, UriKind.Absolute, out var url)
                || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))))
            yield return new($"Storage__AccountUrl '{AccountUrl}' is not an https URL (an identity's token is never sent over plain http)", [nameof(AccountUrl)]);
        if (Kind == FileSystem && string.IsNullOrWhiteSpace(Root) || Root == Path.Combine("batch-editor", "outputs"))
            yield return new("Storage__Root is not set and this user has no data folder (no HOME or XDG_DATA_HOME): set Storage__Root to the outputs folder", [nameof(Root)]);
        if (MaxLinkLifetime < TimeSpan.FromMinutes(1) || MaxLinkLifetime > LongestLink)
            yield return new($"Storage__MaxLinkLifetime must be between 00:01:00 and {LongestLink}", [nameof(MaxLinkLifetime)]);
        if (Kind == AzureBlob && (Container.Length is < 3 or > 63 || !Container.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
            yield return new($"Storage__Container '{Container}' is not a valid container name (3–63 lower-case letters, digits and hyphens)", [nameof(Container)]);
    }

    /// <summary>Never the connection string: it holds the account key or a SAS.</summary>
    public override string ToString() => $"Storage({Kind}, {(Kind == AzureBlob ? $"container {Container}" : $"root {Root}")})";
}
