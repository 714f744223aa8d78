using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using BatchEditor.Items;
using BatchEditor.Totals;
using BatchEditor.Usage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Webhooks;

/// <summary>
/// Sends completion webhooks from worker hosts: every <see cref="Interval"/>, the due webhooks whose manifests have every
/// item in a final state are taken (one worker each, by a lease on the row) and POSTed: the manifest's summary as JSON,
/// signed (<see cref="WebhookSignature"/>). A 2xx answer delivers it; anything else is retried with doubling back-off up
/// to <see cref="WebhookOptions.MaxAttempts"/>. Every attempt is recorded. A receiver may get a summary twice (a worker
/// that died after the POST but before recording it): the manifest's id in the body identifies a repeat.
/// </summary>
public sealed partial class WebhookSender(WebhookStore store, RunningTotals totals, ManifestQueries manifests, IHttpClientFactory http,
    IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookSender> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    await SendDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRoundFailed(e.Message);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A last round on the way out, so `worker --until-idle` reports the batch it just finished.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await SendDueAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRoundFailed(e.Message);
        }
    }

    /// <summary>One round: sends every due webhook of a finished manifest. Returns how many were attempted.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        var due = await store.DueAsync(50, ct);
        if (due.Count == 0) return 0;
        var counts = await totals.CountsByManifestAsync(due.Select(d => d.ManifestId).ToList(), ct);
        var sent = 0;
        foreach (var webhook in due)
        {
            var byState = counts.GetValueOrDefault(webhook.ManifestId) ?? [];
            if (byState.Any(c => !c.Key.IsFinal() && c.Value > 0)) continue; // not finished
            if (!await store.ClaimAsync(webhook.ManifestId, options.Value.Timeout + TimeSpan.FromSeconds(30), ct)) continue;
            await SendAsync(webhook, byState, ct);
            sent++;
        }
        return sent;
    }

    private async Task SendAsync(WebhookStore.Due webhook, Dictionary<ItemState, long> counts, CancellationToken ct)
    {
        var opts = options.Value;
        var attempt = webhook.Attempts + 1;
        var started = Stopwatch.GetTimestamp();
        int? status = null;
        string? error = null;
        try
        {
            if (string.IsNullOrEmpty(opts.SigningSecret)) throw new InvalidOperationException("Webhooks__SigningSecret is not set; nothing is sent unsigned");
            var body = JsonSerializer.SerializeToUtf8Bytes(await SummaryAsync(webhook.ManifestId, counts, ct), Json);
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
        DateTimeOffset? retryAt = delivered || attempt >= opts.MaxAttempts ? null
            : clock.GetUtcNow() + Engine.Backoff.Exponential(attempt, opts.FirstRetryDelay, opts.MaxRetryDelay);
        await store.RecordAsync(webhook.ManifestId, attempt, status, error, Stopwatch.GetElapsedTime(started), delivered, retryAt, CancellationToken.None);
        if (delivered) LogDelivered(webhook.ManifestId, attempt);
        else if (retryAt is { } at) LogRetry(webhook.ManifestId, attempt, error!, at);
        else LogGaveUp(webhook.ManifestId, attempt, error!);
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
            Spend = new { spend.Credits, Usd = spend.CostUsd, spend.EstimatedCredits, spend.RefundedCredits, Estimated = spend.AnyEstimated },
            FinishedAt = clock.GetUtcNow(),
        };
    }

    [LoggerMessage(LogLevel.Information, "Webhook of manifest {Manifest} delivered (attempt {Attempt})")]
    private partial void LogDelivered(Guid manifest, int attempt);

    [LoggerMessage(LogLevel.Warning, "Webhook of manifest {Manifest} attempt {Attempt} failed: {Error}; retrying at {RetryAt:u}")]
    private partial void LogRetry(Guid manifest, int attempt, string error, DateTimeOffset retryAt);

    [LoggerMessage(LogLevel.Error, "Webhook of manifest {Manifest} given up after {Attempt} attempts: {Error}")]
    private partial void LogGaveUp(Guid manifest, int attempt, string error);

    [LoggerMessage(LogLevel.Warning, "Could not send webhooks this round: {Error}")]
    private partial void LogRoundFailed(string error);
}
