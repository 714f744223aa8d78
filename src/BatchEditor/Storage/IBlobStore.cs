namespace BatchEditor.Storage;

/// <summary>Durable storage for outputs. Writes never overwrite: a second write of a name is a no-op.</summary>
public interface IBlobStore
{
    /// <summary>"FileSystem" or "AzureBlob", for messages.</summary>
    string Kind { get; }

    /// <summary>Checks at start-up that the store is reachable and writable, with a message that says what is wrong.</summary>
    Task EnsureReadyAsync(CancellationToken ct);

    /// <summary>
    /// Streams <paramref name="content"/> into <paramref name="name"/> unless it already exists. The store hashes
    /// what it writes and verifies what it stored; the caller's stream may throw to abort (bad signature, too big).
    /// </summary>
    Task<StoredBlob> PutIfAbsentAsync(string name, Stream content, BlobWrite write, CancellationToken ct);

    /// <summary>
    /// A link a browser can open until <paramref name="expiresAt"/>, for stores that serve blobs themselves (Azure Blob:
    /// a signed URL); null for stores whose blobs the dashboard serves (<see cref="OpenRead"/>).
    /// </summary>
    string? ReadLink(string location, DateTimeOffset expiresAt);

    /// <summary>The stored blob's content, for stores that hand out no links; null when it is not there.</summary>
    Stream? OpenRead(string name);
}

public sealed record BlobWrite(string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <param name="AlreadyExisted">True when the name was there before: this call wrote nothing.</param>
/// <param name="Metadata">The stored blob's metadata, where the store keeps any: checked before an existing blob is taken.</param>
public sealed record StoredBlob(string Name, string Location, long Size, string Md5Base64, string ContentType, bool AlreadyExisted,
    IReadOnlyDictionary<string, string>? Metadata = null);
