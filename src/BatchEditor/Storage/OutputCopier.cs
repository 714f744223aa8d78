using System.Data;
using System.Net;
using System.Security.Cryptography;
using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;

namespace BatchEditor.Storage;

/// <summary>
/// Copies one temporary provider output into the blob store: streamed (a bounded buffer, never the whole file),
/// checked (image signature, announced length, size cap), stored under a deterministic name so a repeat is a no-op.
/// Downloads are idempotent, so transient faults are retried here with jittered back-off honouring Retry-After.
/// Inline outputs (base64 in the database) are decoded as they stream out of PostgreSQL, with the same checks.
/// </summary>
public sealed class OutputCopier(IHttpClientFactory httpClients, IBlobStore store, NpgsqlDataSource dataSource, IOptions<StorageOptions> options)
{
    public const string HttpClientName = "outputs";

    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TransientDownloadException>().Handle<InvalidDataException>(e => e.Message.Contains("truncated", StringComparison.Ordinal)),
            MaxRetryAttempts = 3,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is TransientDownloadException { RetryAfter: { } after } ? after : (TimeSpan?)null),
        })
        .Build();

    public static string BlobName(string manifest, string rowId, int ordinal, ImageKind kind) =>
        $"{Uri.EscapeDataString(manifest)}/{Uri.EscapeDataString(rowId)}/{ordinal + 1}.{kind.Extension}";

    public Task<StoredBlob> CopyAsync(ClaimedItem item, OutputRows.Row output, CancellationToken ct) =>
        _retry.ExecuteAsync(async token => await CopyOnceAsync(item, output, token), ct).AsTask();

    private Task<StoredBlob> CopyOnceAsync(ClaimedItem item, OutputRows.Row output, CancellationToken ct) =>
        output.Inline ? CopyInlineAsync(item, output, ct) : DownloadAsync(item, output, ct);

    private async Task<StoredBlob> CopyInlineAsync(ClaimedItem item, OutputRows.Row output, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = OutputRows.InlineCommand(conn, item.Id, output.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"output {output.Ordinal + 1} has no inline data left to copy");
        await using var decoded = new CryptoStream(reader.GetStream(0), new FromBase64Transform(), CryptoStreamMode.Read);
        return await StoreAsync(item, output, decoded, null, "base64 from the provider's answer", ct);
    }

    private async Task<StoredBlob> DownloadAsync(ClaimedItem item, OutputRows.Row output, CancellationToken ct)
    {
        var http = httpClients.CreateClient(HttpClientName);
        using var response = await http.GetAsync(output.SourceUrl, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            if (HttpOutcomes.IsTransient(response.StatusCode))
                throw new TransientDownloadException($"{(int)response.StatusCode} downloading output {output.Ordinal + 1}", HttpOutcomes.RetryAfter(response));
            throw new OutputUnavailableException(response.StatusCode, $"output {output.Ordinal + 1} is no longer available ({(int)response.StatusCode} from its temporary URL)");
        }
        var body = await response.Content.ReadAsStreamAsync(ct);
        return await StoreAsync(item, output, body, response.Content.Headers.ContentLength,
            $"content-type {response.Content.Headers.ContentType?.MediaType ?? "none"}", ct);
    }

    private async Task<StoredBlob> StoreAsync(ClaimedItem item, OutputRows.Row output, Stream body, long? length, string source, CancellationToken ct)
    {
        var head = new byte[ImageKind.SniffLength];
        var headLength = await body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        var kind = ImageKind.Sniff(head.AsSpan(0, headLength))
            ?? throw new InvalidDataException($"output {output.Ordinal + 1} is not a PNG, JPEG or WebP image ({source})");
        await using var checkedBody = new CheckedStream(head[..headLength], body, length,
            options.Value.MaxOutputBytes, $"output {output.Ordinal + 1}");
        var name = BlobName(item.ManifestName, item.RowId, output.Ordinal, kind);
        var metadata = new Dictionary<string, string>
        {
            ["manifest"] = item.ManifestName,
            ["item"] = item.RowId,
            ["provider"] = item.Provider,
            ["providerjob"] = item.ProviderJobId ?? "",
            ["prompthash"] = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(item.Request.Prompt))),
        };
        return await store.PutIfAbsentAsync(name, checkedBody, new BlobWrite(kind.ContentType, metadata), ct);
    }
}

public sealed class TransientDownloadException(string message, TimeSpan? retryAfter) : Exception(message)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The temporary URL answered that the output is gone (404, 403, 410): copying again will not help.</summary>
public sealed class OutputUnavailableException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
