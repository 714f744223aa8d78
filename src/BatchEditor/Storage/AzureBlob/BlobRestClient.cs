using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Polly;
using Polly.Retry;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>
/// The few Blob REST operations copying outputs needs (docs/azure-blob.md), authorised by Shared Key or SAS, with a
/// pinned <c>x-ms-version</c>. Transient answers (408, 429, 500, 502, 503, 504) and network faults are retried with
/// jittered back-off; every other 4xx is final. Request bodies are in-memory chunks, so every attempt resends them whole.
/// </summary>
public sealed class BlobRestClient(HttpClient http, BlobAccount account, TimeSpan? firstRetryDelay = null)
{
    /// <summary>Accepted by Azure and by Azurite 3.35.</summary>
    public const string Version = "2021-12-02";

    private readonly ResiliencePipeline<HttpResponseMessage> _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .Handle<TaskCanceledException>(e => e.InnerException is TimeoutException)
                .HandleResult(r => IsTransient(r.StatusCode)),
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = firstRetryDelay ?? TimeSpan.FromMilliseconds(500),
            OnRetry = args => { args.Outcome.Result?.Dispose(); return default; },
        })
        .Build();

    public BlobAccount Account => account;

    public static bool IsTransient(HttpStatusCode status) => (int)status is 408 or 429 or 500 or 502 or 503 or 504;

    /// <summary>201 created or 409 already there; anything else throws.</summary>
    public async Task<bool> CreateContainerAsync(string container, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, account.BlobUri(container, query: "restype=container")), ct);
        if (response.StatusCode == HttpStatusCode.Conflict) return false;
        await EnsureSuccessAsync(response, $"create container '{container}'", ct);
        return true;
    }

    /// <summary>
    /// Checks a container with what a write-only SAS allows (read a blob's properties, not the container's): HEAD of a
    /// blob that does not exist answers 404 BlobNotFound when the container is there, ContainerNotFound when it is not.
    /// </summary>
    public async Task ProbeContainerAsync(string container, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, account.BlobUri(container, ".batch-editor-probe")), ct);
        if (response.StatusCode == HttpStatusCode.NotFound && ErrorCode(response) == "BlobNotFound") return;
        await EnsureSuccessAsync(response, $"read container '{container}'", ct);
    }

    private static string? ErrorCode(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-ms-error-code", out var codes) ? codes.First() : null;

    /// <summary>List Blobs: the names of the container's blobs that start with <paramref name="prefix"/>, every page.</summary>
    public async Task<List<string>> ListBlobsAsync(string container, string prefix, CancellationToken ct)
    {
        var names = new List<string>();
        string? marker = null;
        do
        {
            var query = $"restype=container&comp=list&prefix={Uri.EscapeDataString(prefix)}" + (marker is null ? "" : $"&marker={Uri.EscapeDataString(marker)}");
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, account.BlobUri(container, query: query)), ct);
            await EnsureSuccessAsync(response, $"list container '{container}'", ct);
            var xml = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            names.AddRange(xml.Descendants("Blob").Select(b => (string?)b.Element("Name")).OfType<string>());
            marker = (string?)xml.Root?.Element("NextMarker") is { Length: > 0 } next ? next : null;
        } while (marker is not null);
        return names;
    }

    /// <summary>Get Blob: the whole content (for small files such as manifests).</summary>
    public async Task<byte[]> GetBlobAsync(string container, string blob, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, account.BlobUri(container, blob)), ct);
        await EnsureSuccessAsync(response, $"read '{blob}'", ct);
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    /// <summary>HEAD of a blob; null when it does not exist.</summary>
    public async Task<BlobProperties?> GetPropertiesAsync(string container, string blob, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, account.BlobUri(container, blob)), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, $"read properties of '{blob}'", ct);
        var metadata = response.Headers.Where(h => h.Key.StartsWith("x-ms-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key["x-ms-meta-".Length..].ToLowerInvariant(), h => Uri.UnescapeDataString(h.Value.First()));
        return new BlobProperties(response.Content.Headers.ContentLength ?? 0,
            response.Content.Headers.ContentMD5 is { } md5 ? Convert.ToBase64String(md5) : null,
            response.Content.Headers.ContentType?.MediaType ?? "", metadata);
    }

    /// <summary>Put Blob that never overwrites; false when the blob already exists (409 or 412).</summary>
    public Task<bool> PutBlobAsync(string container, string blob, ReadOnlyMemory<byte> content, byte[] md5, BlobWrite write, CancellationToken ct) =>
        PutIfNoneMatchAsync(blob, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, account.BlobUri(container, blob)) { Content = Body(content, md5) };
            request.Headers.Add("x-ms-blob-type", "BlockBlob");
            AddProperties(request, write, md5);
            return request;
        }, ct);

    public async Task PutBlockAsync(string container, string blob, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put,
            account.BlobUri(container, blob, $"comp=block&blockid={Uri.EscapeDataString(blockId)}")) { Content = Body(content, md5) }, ct);
        await EnsureSuccessAsync(response, $"upload a block of '{blob}'", ct);
    }

    /// <summary>Commits the blocks; the blob's properties go on this call. False when the blob already exists.</summary>
    public Task<bool> PutBlockListAsync(string container, string blob, IReadOnlyList<string> blockIds, byte[] wholeMd5, BlobWrite write, CancellationToken ct)
    {
        // Block ids are base64, so they need no XML escaping.
        var xml = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>{string.Concat(blockIds.Select(id => $"<Latest>{id}</Latest>"))}</BlockList>");
        return PutIfNoneMatchAsync(blob, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, account.BlobUri(container, blob, "comp=blocklist")) { Content = Body(xml, null) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
            AddProperties(request, write, wholeMd5);
            return request;
        }, ct);
    }

    private async Task<bool> PutIfNoneMatchAsync(string blob, Func<HttpRequestMessage> build, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var request = build();
            request.Headers.TryAddWithoutValidation("If-None-Match", "*");
            return request;
        }, ct);
        // 409 BlobAlreadyExists (Azurite, and Azure per its comments) or 412 ConditionNotMet (documented): already there.
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed) return false;
        await EnsureSuccessAsync(response, $"write '{blob}'", ct);
        return true;
    }

    private static void AddProperties(HttpRequestMessage request, BlobWrite write, byte[] md5)
    {
        request.Headers.Add("x-ms-blob-content-type", write.ContentType);
        request.Headers.Add("x-ms-blob-content-md5", Convert.ToBase64String(md5));
        // Names stay alphanumeric (the service and the emulator sort others differently); values are escaped to ASCII.
        foreach (var (name, value) in write.Metadata)
            request.Headers.Add($"x-ms-meta-{new string(name.Where(char.IsAsciiLetterOrDigit).ToArray())}", Uri.EscapeDataString(value));
    }

    private static ReadOnlyMemoryContent Body(ReadOnlyMemory<byte> content, byte[]? md5)
    {
        var body = new ReadOnlyMemoryContent(content);
        body.Headers.ContentLength = content.Length;
        if (md5 is not null) body.Headers.ContentMD5 = md5;
        return body;
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken ct)
    {
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                using var request = build();
                request.Headers.Add("x-ms-date", DateTime.UtcNow.ToString("R", CultureInfo.InvariantCulture));
                request.Headers.Add("x-ms-version", Version);
                if (account.Sas is null) SharedKey.Authorize(request, account);
                return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
            }, ct);
        }
        catch (HttpRequestException e)
        {
            // Retries are spent: say so in storage terms, so callers that retry downloads do not retry this again.
            throw new BlobUnavailableException($"Azure Blob endpoint {account.Endpoint} cannot be reached ({e.Message})", e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var code = ErrorCode(response);
        var body = await response.Content.ReadAsStringAsync(ct);
        string? message = null;
        try { message = XDocument.Parse(body).Root?.Element("Message")?.Value.Split('\n')[0]; }
        catch (System.Xml.XmlException) { }
        throw new BlobRequestException(response.StatusCode, code, $"Azure Blob could not {what}: {(int)response.StatusCode} {code ?? response.ReasonPhrase}{(message is null ? "" : $" ({message.Trim()})")}");
    }
}

/// <summary>The Blob endpoint could not be reached, even after retries.</summary>
public sealed class BlobUnavailableException(string message, Exception inner) : IOException(message, inner);

public sealed record BlobProperties(long Length, string? Md5Base64, string ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A Blob service answer that is not a success; <see cref="ErrorCode"/> is the service's <c>x-ms-error-code</c>.</summary>
public sealed class BlobRequestException(HttpStatusCode status, string? errorCode, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
    public string? ErrorCode { get; } = errorCode;
}
