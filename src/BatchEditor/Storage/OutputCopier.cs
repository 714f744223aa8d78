using System.Security.Cryptography;
using BatchEditor.Downloads;
using BatchEditor.Imaging;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace BatchEditor.Storage;

/// <summary>One output to copy: whose it is (that names the blob and labels it), and where its bytes are.</summary>
/// <param name="SourceUrl">The provider's temporary URL; null for an output that came inline in its answer.</param>
/// <param name="OpenInline">Opens an inline output's bytes (null when there are none left to copy).</param>
public sealed record OutputToCopy(Guid ManifestId, string ManifestName, string RowId, int Run, int Ordinal, string Provider, string? ProviderJobId,
    string Prompt, string? SourceUrl, Func<CancellationToken, Task<Stream?>>? OpenInline = null);

/// <summary>
/// Copies one temporary provider output into the blob store: streamed (a bounded buffer, never the whole file), under
/// deadlines, checked (image signature, announced length, size cap), stored under a name that belongs to this item's run
/// so a repeat is a no-op and nothing of another item or run is ever taken. Transient source faults are retried here
/// with jittered back-off honouring Retry-After. What fails is told apart for the copy step: the source is gone
/// (<see cref="OutputUnavailableException"/>), the source failed (<see cref="OutputDownloadException"/>), or the
/// store failed (<see cref="StorageUnavailableException"/>).
/// </summary>
public sealed class OutputCopier(IHttpClientFactory httpClients, IBlobStore store, IOptions<StorageOptions> options, IOptions<DownloadOptions> downloads)
{
    public const string HttpClientName = "outputs";

    public string StoreKind => store.Kind;

    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<OutputDownloadException>(e => e.Transient),
            MaxRetryAttempts = 3,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is OutputDownloadException { RetryAfter: { } after } ? after : (TimeSpan?)null),
        })
        .Build();

    /// <summary>
    /// <c>{manifest id}/{row id}/{n}.{ext}</c>, and <c>…/run-{k}/{n}.{ext}</c> for an operator's k-th run: the manifest's
    /// id (not its name, which a new database or another installation may reuse) and the run make the name this
    /// output's alone, so an existing blob under it is a repeat of this very copy.
    /// </summary>
    public static string BlobName(Guid manifestId, string rowId, int run, int ordinal, ImageKind kind) =>
        $"{ManifestFolder(manifestId)}{Uri.EscapeDataString(rowId)}/{(run > 1 ? $"run-{run}/" : "")}{ordinal + 1}.{kind.Extension}";

    /// <summary>The folder (name prefix) of a manifest's outputs: its id without dashes.</summary>
    public static string ManifestFolder(Guid manifestId) => $"{manifestId:N}/";

    public async Task<StoredBlob> CopyAsync(OutputToCopy output, CancellationToken ct)
    {
        try
        {
            return await _retry.ExecuteAsync(async token => await (output.OpenInline is { } open ? CopyInlineAsync(output, open, token) : DownloadAsync(output, token)), ct);
        }
        catch (Exception e) when (e is not (OutputDownloadException or OutputUnavailableException or OutputConflictException or OperationCanceledException))
        {
            // Everything the source could throw is wrapped above: what is left came from the store.
            throw new StorageUnavailableException($"{store.Kind} storage failed: {e.Message}", e);
        }
    }

    private async Task<StoredBlob> CopyInlineAsync(OutputToCopy output, Func<CancellationToken, Task<Stream?>> open, CancellationToken ct)
    {
        await using var decoded = await open(ct)
            ?? throw new OutputDownloadException($"output {output.Ordinal + 1} has no inline data left to copy", transient: false);
        return await StoreAsync(output, decoded, null, "base64 from the provider's answer", ct);
    }

    private async Task<StoredBlob> DownloadAsync(OutputToCopy output, CancellationToken ct)
    {
        var what = $"output {output.Ordinal + 1}";
        BoundedDownload download;
        try { download = await BoundedDownload.GetAsync(httpClients.CreateClient(HttpClientName), output.SourceUrl!, downloads.Value, what, ct); }
        catch (Exception e) when (OutboundGuard.RefusalIn(e) is { } refused)
        {
            throw new OutputDownloadException($"{what} was not downloaded: {refused.Message}", transient: false, e);
        }
        catch (Exception e) when (e is HttpRequestException or DownloadTimeoutException)
        {
            throw new OutputDownloadException($"{what} could not be downloaded: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}", transient: true, e);
        }
        using (download)
        {
            var response = download.Response;
            if (!response.IsSuccessStatusCode)
            {
                if (HttpOutcomes.IsTransient(response.StatusCode))
                    throw new OutputDownloadException($"{(int)response.StatusCode} downloading {what}", transient: true, retryAfter: HttpOutcomes.RetryAfter(response));
                throw new OutputUnavailableException(response.StatusCode, $"{what} is no longer available ({(int)response.StatusCode} from its temporary URL)");
            }
            var body = await download.ReadBodyAsync(ct);
            return await StoreAsync(output, body, response.Content.Headers.ContentLength,
                $"content-type {response.Content.Headers.ContentType?.MediaType ?? "none"}", ct);
        }
    }

    private async Task<StoredBlob> StoreAsync(OutputToCopy output, Stream body, long? length, string source, CancellationToken ct)
    {
        var what = $"output {output.Ordinal + 1}";
        await using var checkedBody = new CheckedStream(body, length, options.Value.MaxOutputBytes, what);
        var head = new byte[ImageKind.SniffLength];
        var headLength = await checkedBody.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        var kind = ImageKind.Sniff(head.AsSpan(0, headLength))
            ?? throw new OutputDownloadException($"{what} is not a PNG, JPEG or WebP image ({source})", transient: false);
        var name = BlobName(output.ManifestId, output.RowId, output.Run, output.Ordinal, kind);
        var write = new BlobWrite(kind.ContentType, Metadata(output));
        var stored = await store.PutIfAbsentAsync(name, new ReplayedHeadStream(head[..headLength], checkedBody), write, ct);
        if (stored.AlreadyExisted && stored.Metadata is { } found && !BelongsTo(found, write.Metadata))
            throw new OutputConflictException($"{stored.Location} already holds a file not written for this item (manifest {Value(found, "manifestid")}, item {Value(found, "item")}); it is neither overwritten nor taken");
        return stored;
    }

    private static Dictionary<string, string> Metadata(OutputToCopy output) => new()
    {
        ["manifest"] = output.ManifestName,
        ["manifestid"] = output.ManifestId.ToString("N"),
        ["item"] = output.RowId,
        ["run"] = output.Run.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["provider"] = output.Provider,
        ["providerjob"] = output.ProviderJobId ?? "",
        ["prompthash"] = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(output.Prompt))),
    };

    private static bool BelongsTo(IReadOnlyDictionary<string, string> found, IReadOnlyDictionary<string, string> ours) =>
        Value(found, "manifestid") == ours["manifestid"] && Value(found, "item") == ours["item"] && Value(found, "run") == ours["run"];

    private static string? Value(IReadOnlyDictionary<string, string> metadata, string key) => metadata.GetValueOrDefault(key);
}
