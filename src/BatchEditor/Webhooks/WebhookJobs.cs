using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using BatchEditor.Items;
using BatchEditor.Jobs;
using BatchEditor.Totals;
using BatchEditor.ReadModel;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Webhooks;

/// <summary>
/// One completion webhook delivery, as a Hangfire job (enqueued when its manifest finishes,
/// <see cref="Manifests.ManifestFinisher"/>): the manifest's summary as JSON, signed (<see cref="WebhookSignature"/>). A 2xx
/// answer delivers it; anything else fails the attempt, which Hangfire retries with doubling back-off
/// (<see cref="WebhookRetry"/>) up to <see cref="WebhookOptions.MaxAttempts"/>; each attempt shows in the Hangfire
/// dashboard and is recorded in <c>webhook_deliveries</c>. A receiver may get a summary twice (a worker that died after
/// the POST but before recording it): the manifest's id in the body identifies a repeat.
/// </summary>
public sealed partial class WebhookJobs(WebhookStore store, RunningTotals totals, ManifestQueries manifests, IHttpClientFactory http,
    IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookJobs> logger)
{
    public const string HttpClientName = "webhooks";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Queue(Queues.Webhooks)]
    [JobDisplayName("Webhook of manifest {0}")]
    public async Task DeliverAsync(Guid manifestId, CancellationToken ct)
    {
        if (await store.WaitingAsync(manifestId, ct) is not { } webhook) return; // delivered, given up, or none
        var opts = options.Value;
        var attempt = webhook.Attempts + 1;
        var started = Stopwatch.GetTimestamp();
        int? status = null;
        string? error = null;
        try
        {
            if (string.IsNullOrEmpty(opts.SigningSecret)) throw new InvalidOperationException("Webhooks__SigningSecret is not set; nothing is sent unsigned");
            var counts = (await totals.CountsByManifestAsync([manifestId], ct)).GetValueOrDefault(manifestId) ?? [];
            var body = JsonSerializer.SerializeToUtf8Bytes(await SummaryAsync(manifestId, counts, ct), Json);
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(opts.SigningSecret, clock.GetUtcNow().ToUnixTimeSeconds(), body));
            request.Headers.Add("BatchEditor-Event", "manifest.finished");
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(opts.Timeout);
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, cts.Token);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode) error = $"{status} {response.ReasonPhrase}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            error = e is OperationCanceledException ? $"no answer within {opts.Timeout.TotalSeconds:0} s" : Downloads.OutboundGuard.RefusalIn(e)?.Message ?? e.Message;
        }
        var delivered = error is null;
        var last = attempt >= opts.MaxAttempts;
        var next = delivered ? WebhookState.Delivered : last ? WebhookState.Failed : WebhookState.Waiting;
        await store.RecordAsync(manifestId, attempt, status, error, Stopwatch.GetElapsedTime(started), next, CancellationToken.None);
        if (delivered)
        {
            LogDelivered(manifestId, attempt);
            return;
        }
        if (last) LogGaveUp(manifestId, attempt, error!);
        else LogRetry(manifestId, attempt, error!);
        // Failing the attempt is what makes Hangfire retry it (or, after the last, list it as failed).
        throw new WebhookDeliveryException($"attempt {attempt} of {opts.MaxAttempts}: {error}");
    }

    private async Task<object> SummaryAsync(Guid manifestId, Dictionary<ItemState, long> counts, CancellationToken ct)
    {
        var manifest = await manifests.FindAsync(manifestId.ToString(), ct);
        var spend = await totals.SpendAsync(manifestId, ct);
        return new
        {
            Event = "manifest.finished",
            Manifest = new { Id = manifestId, manifest?.Name, manifest?.SourceFile, Items = manifest?.ItemCount, ImportedAt = manifest?.CreatedAt },
            Counts = counts.Where(c => c.Value > 0).ToDictionary(c => c.Key.ToString(), c => c.Value),
            Spend = new { spend.Credits, Usd = spend.CostUsd, spend.UnpricedCredits, spend.EstimatedCredits, spend.RefundedCredits, Estimated = spend.AnyEstimated },
            FinishedAt = clock.GetUtcNow(),
        };
    }

    [LoggerMessage(LogLevel.Information, "Webhook of manifest {Manifest} delivered (attempt {Attempt})")]
    private partial void LogDelivered(Guid manifest, int attempt);

    [LoggerMessage(LogLevel.Warning, "Webhook of manifest {Manifest} attempt {Attempt} failed: {Error}; Hangfire retries it")]
    private partial void LogRetry(Guid manifest, int attempt, string error);

    [LoggerMessage(LogLevel.Error, "Webhook of manifest {Manifest} given up after {Attempt} attempts: {Error}")]
    private partial void LogGaveUp(Guid manifest, int attempt, string error);
}

/// <summary>A delivery attempt the receiver did not accept: Hangfire retries the job.</summary>
public sealed class WebhookDeliveryException(string message) : Exception(message);
