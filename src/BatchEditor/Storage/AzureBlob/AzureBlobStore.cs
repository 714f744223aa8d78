using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>
/// Outputs in an Azure Blob container. A copy holds one block in memory, never the file: content that fits in one
/// block goes as a single Put Blob, anything longer as Put Block + Put Block List. Every write carries
/// <c>If-None-Match: *</c>, so a repeat (a retried copy, a second worker) is a no-op, and Content-MD5, so the service
/// rejects bytes damaged on the way.
/// </summary>
public sealed class AzureBlobStore(BlobRestClient client, IOptions<StorageOptions> options) : IBlobStore
{
    private readonly StorageOptions _options = options.Value;

    public string Kind => "AzureBlob";

    private string Container => _options.Container;

    public async Task EnsureReadyAsync(CancellationToken ct)
    {
        var endpoint = client.Account.Endpoint;
        try
        {
            if (client.Account.Key is not null) await client.CreateContainerAsync(Container, ct);
            else await client.ProbeContainerAsync(Container, ct);
        }
        catch (BlobUnavailableException e)
        {
            throw new InvalidOperationException($"{e.Message}: check BlobEndpoint/AccountName in Storage__ConnectionString", e);
        }
        catch (BlobRequestException e)
        {
            throw new InvalidOperationException(e switch
            {
                { Status: HttpStatusCode.Forbidden } when client.Account.Key is not null =>
                    $"Azure Blob at {endpoint} rejected the account key of '{client.Account.Name}' ({e.ErrorCode ?? "403"}): check AccountName and AccountKey in Storage__ConnectionString",
                { Status: HttpStatusCode.Forbidden } =>
                    $"Azure Blob at {endpoint} refused the SAS token ({e.ErrorCode ?? "403"}): it may have expired or lack the read, create and write permissions on container '{Container}'",
                { Status: HttpStatusCode.NotFound } =>
                    $"Azure Blob container '{Container}' does not exist at {endpoint}: create it, or use a connection string with an account key so BatchEditor can",
                _ => $"Azure Blob container '{Container}' at {endpoint} is not usable: {e.Message}",
            }, e);
        }
    }

    private string BlobOf(string name) => string.IsNullOrEmpty(_options.Prefix) ? name : $"{_options.Prefix.Trim('/')}/{name}";

    public async Task<StoredBlob> PutIfAbsentAsync(string name, Stream content, BlobWrite write, CancellationToken ct)
    {
        var blob = BlobOf(name);
        if (await client.GetPropertiesAsync(Container, blob, ct) is { } existing) return Describe(name, blob, existing, existed: true);

        var buffer = ArrayPool<byte>.Shared.Rent(_options.BlockSizeBytes);
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, _options.BlockSizeBytes), _options.BlockSizeBytes, throwOnEndOfStream: false, ct);
            long size = read;
            bool created;
            if (read < _options.BlockSizeBytes)
            {
                created = await client.PutBlobAsync(Container, blob, buffer.AsMemory(0, read), MD5.HashData(buffer.AsSpan(0, read)), write, ct);
                md5.AppendData(buffer, 0, read);
            }
            else
            {
                var ids = new List<string>();
                while (read > 0)
                {
                    md5.AppendData(buffer, 0, read);
                    var id = Convert.ToBase64String(BitConverter.GetBytes(ids.Count)); // fixed length, as the service requires
                    await client.PutBlockAsync(Container, blob, id, buffer.AsMemory(0, read), MD5.HashData(buffer.AsSpan(0, read)), ct);
                    ids.Add(id);
                    read = await content.ReadAtLeastAsync(buffer.AsMemory(0, _options.BlockSizeBytes), _options.BlockSizeBytes, throwOnEndOfStream: false, ct);
                    size += read;
                }
                created = await client.PutBlockListAsync(Container, blob, ids, md5.GetCurrentHash(), write, ct);
            }
            var stored = await client.GetPropertiesAsync(Container, blob, ct)
                ?? throw new IOException($"{blob}: written to Azure Blob but not found when read back");
            var sent = Convert.ToBase64String(md5.GetHashAndReset());
            if (created && (stored.Length != size || stored.Md5Base64 != sent))
                throw new IOException($"{blob}: Azure Blob holds {stored.Length:N0} bytes with MD5 {stored.Md5Base64}, but {size:N0} bytes with MD5 {sent} were sent");
            return Describe(name, blob, stored, existed: !created);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A read-only link to a stored blob that works until <paramref name="expiresAt"/>.</summary>
    public string SignedUrl(string location, DateTimeOffset expiresAt) => BlobSas.ReadUrl(client.Account, location, expiresAt);

    /// <summary>
    /// Signed with the account key for this one blob, read-only. With a SAS connection string there is no key to sign
    /// with, and that SAS (read, create, write on the container) must never reach a browser: the dashboard serves the
    /// blob itself (<see cref="OpenReadAsync"/>).
    /// </summary>
    public string? ReadLink(string location, DateTimeOffset expiresAt) => client.Account.Key is not null ? SignedUrl(location, expiresAt) : null;

    /// <summary>The blob read through this process (a SAS connection string: no key to sign a link with).</summary>
    public async Task<Stream?> OpenReadAsync(string name, CancellationToken ct)
    {
        try { return new MemoryStream(await client.GetBlobAsync(Container, BlobOf(name), ct), writable: false); }
        catch (BlobRequestException e) when (e.Status == HttpStatusCode.NotFound) { return null; }
    }

    private StoredBlob Describe(string name, string blob, BlobProperties properties, bool existed) =>
        new(name, client.Account.BlobUri(Container, blob).GetLeftPart(UriPartial.Path), properties.Length, properties.Md5Base64 ?? "",
            properties.ContentType, existed, properties.Metadata);
}
