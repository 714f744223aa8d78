using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Azure;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>
/// Outputs in an Azure Blob container, through the Azure SDK. A copy holds one block in memory, never the file: content
/// that fits in one block goes up as a single Put Blob, anything longer as Put Block per block and one Put Block List.
/// Each request carries the MD5 of its bytes, which the service checks; the blob's stored Content-MD5 is the MD5 of the
/// whole stream, computed over the same bytes, and read back after the write with the length. Every write carries
/// <c>If-None-Match: *</c>, so a repeat (a retried copy, a second worker) never overwrites.
/// </summary>
public sealed class AzureBlobStore(AzureBlobAccount account, IOptions<StorageOptions> options, TimeProvider clock) : IBlobStore
{
    private readonly StorageOptions _options = options.Value;
    private readonly BlobContainerClient _container = account.Service.GetBlobContainerClient(options.Value.Container);
    private readonly BlobLinks _links = new(account, clock);

    public string Kind => "AzureBlob";

    public async Task EnsureReadyAsync(CancellationToken ct)
    {
        try
        {
            if (account.Auth == BlobAuth.Sas) await ProbeAsync(ct);
            else await _container.CreateIfNotExistsAsync(cancellationToken: ct);
        }
        catch (AuthenticationFailedException e)
        {
            throw new InvalidOperationException($"no Azure identity could sign in to {account.Endpoint}: {FirstLine(e.Message)} " +
                "On Azure, give this workload a managed identity (Storage__ClientId for a user-assigned one) or a workload identity; " +
                "elsewhere sign in with `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET", e);
        }
        catch (Exception e) when (Unreachable(e))
        {
            throw new InvalidOperationException($"Azure Blob endpoint {account.Endpoint} cannot be reached ({FirstLine(e.Message)}): check BlobEndpoint, AccountName or Storage__AccountUrl", e);
        }
        catch (RequestFailedException e)
        {
            throw new InvalidOperationException(StartupProblem(e), e);
        }
    }

    /// <summary>
    /// Checks a container with what a write-only SAS allows (a blob's properties, not the container's): a blob that does
    /// not exist answers 404 BlobNotFound when the container is there, ContainerNotFound when it is not.
    /// </summary>
    private async Task ProbeAsync(CancellationToken ct)
    {
        try { await _container.GetBlobClient(".batch-editor-probe").GetPropertiesAsync(cancellationToken: ct); }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound) { }
    }

    private string StartupProblem(RequestFailedException e) => (e.Status, account.Auth) switch
    {
        (403, BlobAuth.AccountKey) =>
            $"Azure Blob at {account.Endpoint} rejected the account key of '{account.Name}' ({e.ErrorCode ?? "403"}): check AccountName and AccountKey in Storage__ConnectionString",
        (403, BlobAuth.Sas) =>
            $"Azure Blob at {account.Endpoint} refused the SAS token ({e.ErrorCode ?? "403"}): it may have expired or lack the read, create and write permissions on container '{_options.Container}'",
        (403, _) =>
            $"Azure Blob at {account.Endpoint} refused the identity ({e.ErrorCode ?? "403"}): give it the 'Storage Blob Data Contributor' role on the account or on container '{_options.Container}'",
        (404, _) =>
            $"Azure Blob container '{_options.Container}' does not exist at {account.Endpoint}: create it, or use an account key or an identity that may create it",
        _ => $"Azure Blob container '{_options.Container}' at {account.Endpoint} is not usable: {e.Status} {e.ErrorCode} ({FirstLine(e.Message)})",
    };

    public string LocationOf(string name) => _container.GetBlobClient(BlobOf(name)).Uri.GetLeftPart(UriPartial.Path);

    private string BlobOf(string name) => string.IsNullOrEmpty(_options.Prefix) ? name : $"{_options.Prefix.Trim('/')}/{name}";

    public async Task<StoredBlob> PutIfAbsentAsync(string name, Stream content, BlobWrite write, CancellationToken ct)
    {
        var blob = _container.GetBlockBlobClient(BlobOf(name));
        try
        {
            if (await PropertiesAsync(blob, ct) is { } existing) return Describe(name, blob, existing, existed: true);
            var (created, size, md5) = await UploadAsync(blob, content, write, ct);
            var stored = await PropertiesAsync(blob, ct) ?? throw new IOException($"{blob.Name}: written to Azure Blob but not found when read back");
            var sent = Convert.ToBase64String(md5);
            if (created && (stored.ContentLength != size || Md5(stored) != sent))
                throw new IOException($"{blob.Name}: Azure Blob holds {stored.ContentLength:N0} bytes with MD5 {Md5(stored)}, but {size:N0} bytes with MD5 {sent} were sent");
            return Describe(name, blob, stored, existed: !created);
        }
        catch (Exception e) when (Unreachable(e))
        {
            throw new BlobUnavailableException($"Azure Blob endpoint {account.Endpoint} cannot be reached ({FirstLine(e.Message)})", e);
        }
        catch (RequestFailedException e)
        {
            throw new IOException($"Azure Blob could not write '{blob.Name}': {e.Status} {e.ErrorCode} ({FirstLine(e.Message)})", e);
        }
    }

    /// <returns>Whether this call created the blob (false: it appeared meanwhile), how many bytes it read and their MD5.</returns>
    private async Task<(bool Created, long Size, byte[] Md5)> UploadAsync(BlockBlobClient blob, Stream content, BlobWrite write, CancellationToken ct)
    {
        var blockSize = _options.BlockSizeBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(blockSize);
        try
        {
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, ct);
            var headers = new BlobHttpHeaders { ContentType = write.ContentType };
            var metadata = Metadata(write);
            var absent = new BlobRequestConditions { IfNoneMatch = ETag.All };
            if (read < blockSize)
            {
                whole.AppendData(buffer, 0, read);
                headers.ContentHash = whole.GetHashAndReset();
                var created = await IfAbsentAsync(() => blob.UploadAsync(new MemoryStream(buffer, 0, read, writable: false), new BlobUploadOptions
                {
                    HttpHeaders = headers, Metadata = metadata, Conditions = absent, TransferValidation = CheckedRequest,
                    TransferOptions = new StorageTransferOptions { InitialTransferSize = blockSize, MaximumTransferSize = blockSize, MaximumConcurrency = 1 },
                }, ct));
                return (created, read, headers.ContentHash);
            }
            var ids = new List<string>();
            long size = 0;
            while (read > 0)
            {
                whole.AppendData(buffer, 0, read);
                var id = Convert.ToBase64String(BitConverter.GetBytes(ids.Count)); // fixed length, as the service requires
                await blob.StageBlockAsync(id, new MemoryStream(buffer, 0, read, writable: false),
                    new BlockBlobStageBlockOptions { TransferValidation = CheckedRequest }, ct);
                ids.Add(id);
                size += read;
                read = await content.ReadAtLeastAsync(buffer.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, ct);
            }
            headers.ContentHash = whole.GetHashAndReset();
            var committed = await IfAbsentAsync(() => blob.CommitBlockListAsync(ids,
                new CommitBlockListOptions { HttpHeaders = headers, Metadata = metadata, Conditions = absent }, ct));
            return (committed, size, headers.ContentHash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The MD5 of each request's body, sent as Content-MD5 for the service to check against what it received.</summary>
    private static readonly UploadTransferValidationOptions CheckedRequest = new() { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 };

    /// <summary>False when the blob already exists: 409 BlobAlreadyExists, or 412 when the condition fails.</summary>
    private static async Task<bool> IfAbsentAsync<T>(Func<Task<Response<T>>> write)
    {
        try
        {
            await write();
            return true;
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    private static async Task<BlobProperties?> PropertiesAsync(BlobBaseClient blob, CancellationToken ct)
    {
        try { return (await blob.GetPropertiesAsync(cancellationToken: ct)).Value; }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound) { return null; }
    }

    /// <summary>Names stay alphanumeric (the service and the emulator sort others differently); values are escaped to ASCII.</summary>
    private static Dictionary<string, string> Metadata(BlobWrite write) =>
        write.Metadata.ToDictionary(m => new string(m.Key.Where(char.IsAsciiLetterOrDigit).ToArray()), m => Uri.EscapeDataString(m.Value));

    public async Task<Func<string, string>?> LinkSignerAsync(DateTimeOffset expiresAt, CancellationToken ct)
    {
        if (expiresAt > clock.GetUtcNow() + _options.MaxLinkLifetime + TimeSpan.FromMinutes(1))
            throw new ArgumentOutOfRangeException(nameof(expiresAt), $"links live at most {_options.MaxLinkLifetime} (Storage__MaxLinkLifetime)");
        return await _links.SignerAsync(expiresAt, ct);
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken ct)
    {
        try { return (await _container.GetBlobClient(BlobOf(name)).DownloadStreamingAsync(cancellationToken: ct)).Value.Content; }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound) { return null; }
    }

    private static StoredBlob Describe(string name, BlobBaseClient blob, BlobProperties properties, bool existed) =>
        new(name, blob.Uri.GetLeftPart(UriPartial.Path), properties.ContentLength, Md5(properties) ?? "", properties.ContentType ?? "", existed,
            properties.Metadata.ToDictionary(m => m.Key.ToLowerInvariant(), m => Uri.UnescapeDataString(m.Value)));

    private static string? Md5(BlobProperties properties) => properties.ContentHash is { Length: > 0 } hash ? Convert.ToBase64String(hash) : null;

    /// <summary>The endpoint did not answer, even after the SDK's retries.</summary>
    internal static bool Unreachable(Exception e) => e switch
    {
        RequestFailedException { Status: 0 } => true,
        AggregateException a => a.InnerExceptions.All(Unreachable),
        _ => false,
    };

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}

/// <summary>The Blob endpoint could not be reached, even after retries.</summary>
public sealed class BlobUnavailableException(string message, Exception inner) : IOException(message, inner);
