namespace BatchEditor.Storage;

/// <summary>Durable storage for outputs. Writes never overwrite: a second write of a name is a no-op.</summary>
public interface IBlobStore
{
    /// <summary>"FileSystem" or "AzureBlob", for messages.</summary>
    string Kind { get; }

    /// <summary>Where <paramref name="name"/> is (or will be) stored, as a person finds it: a full path, or the blob's URL (no SAS).</summary>
    string LocationOf(string name);

    /// <summary>Checks at start-up that the store is reachable and writable, with a message that says what is wrong.</summary>
    Task EnsureReadyAsync(CancellationToken ct);

    /// <summary>
    /// Streams <paramref name="content"/> into <paramref name="name"/> unless it already exists. The store hashes
    /// what it writes and verifies what it stored; the caller's stream may throw to abort (bad signature, too big).
    /// </summary>
    Task<StoredBlob> PutIfAbsentAsync(string name, Stream content, BlobWrite write, CancellationToken ct);

    /// <summary>
    /// Turns stored locations into read-only, https-only links a browser can open until <paramref name="expiresAt"/>, one
    /// blob each, for stores that can mint them (Azure Blob with the account key or an identity); null when the dashboard
    /// serves the blob itself (<see cref="OpenReadAsync"/>). Never a link carrying the store's own credentials.
    /// </summary>
    Task<Func<string, string>?> LinkSignerAsync(DateTimeOffset expiresAt, CancellationToken ct);

    /// <summary>The stored blob's content, for stores that hand out no links; null when it is not there.</summary>
    Task<Stream?> OpenReadAsync(string name, CancellationToken ct);
}

public sealed record BlobWrite(string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <param name="AlreadyExisted">True when the name was there before: this call wrote nothing.</param>
/// <param name="Metadata">The stored blob's metadata, where the store keeps any: checked before an existing blob is taken.</param>
public sealed record StoredBlob(string Name, string Location, long Size, string Md5Base64, string ContentType, bool AlreadyExisted,
    IReadOnlyDictionary<string, string>? Metadata = null);
