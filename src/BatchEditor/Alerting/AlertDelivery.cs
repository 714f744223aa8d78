using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BatchEditor.Jobs;
using BatchEditor.Webhooks;
using Hangfire;
using Microsoft.Extensions.Options;

namespace BatchEditor.Alerting;

/// <summary>
/// Delivers one digest to one channel, as a Hangfire job retried with Hangfire's back-off: to <see cref="AlertOptions.WebhookUrl"/>
/// as JSON signed like the completion webhooks (<see cref="WebhookSignature"/>, event <c>alerts.digest</c>), or to
/// <see cref="AlertOptions.SlackWebhookUrl"/> in Slack's incoming-webhook format. Each outcome is kept on the digest.
/// </summary>
public sealed class AlertDelivery(AlertStore store, IHttpClientFactory http, IOptions<AlertOptions> options, IOptions<WebhookOptions> webhooks, TimeProvider clock)
{
    public const string HttpClientName = "alerts";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Queue(Queues.Webhooks)]
    [AutomaticRetry(Attempts = 5, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Alert digest {0} to {1}")]
    public async Task DeliverAsync(long digestId, string channel, CancellationToken ct)
    {
        var entries = await store.DigestAsync(digestId, ct);
        if (entries.Count == 0) return;
        var o = options.Value;
        string? error = null;
        try
        {
            using var request = channel == AlertChannels.Slack ? Slack(o.SlackWebhookUrl!, entries) : Signed(o.WebhookUrl!, digestId, entries);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(webhooks.Value.Timeout);
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, cts.Token);
            if (!response.IsSuccessStatusCode) error = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            error = e is OperationCanceledException ? "no answer in time" : Downloads.OutboundGuard.RefusalIn(e)?.Message ?? e.Message;
        }
        await store.RecordDeliveryAsync(digestId, channel, error is null ? "delivered" : "failed", error is null ? null : $"{channel}: {error}", CancellationToken.None);
        if (error is not null) throw new WebhookDeliveryException($"alert digest {digestId} to {channel}: {error}"); // Hangfire retries it
    }

    private HttpRequestMessage Signed(string url, long digestId, List<DigestEntry> entries)
    {
        if (string.IsNullOrEmpty(webhooks.Value.SigningSecret)) throw new InvalidOperationException("Webhooks__SigningSecret is not set; nothing is sent unsigned");
        var body = JsonSerializer.SerializeToUtf8Bytes(new { Event = "alerts.digest", Digest = digestId, Alerts = entries }, Json);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(webhooks.Value.SigningSecret, clock.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.Add("BatchEditor-Event", "alerts.digest");
        return request;
    }

    /// <summary>Slack's incoming-webhook payload: one <c>text</c> in its mrkdwn, a line per alert.</summary>
    private static HttpRequestMessage Slack(string url, List<DigestEntry> entries)
    {
        var text = new StringBuilder("*BatchEditor alerts*\n");
        foreach (var e in entries)
            text.Append(e.State == "resolved" ? ":white_check_mark: " : ":rotating_light: ").Append('*').Append(Escape(e.Rule)).Append("* ")
                .Append(Escape(e.Subject)).Append(" — ").Append(e.State).Append(": ").Append(Escape(e.Detail)).Append('\n');
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent(new { text = text.ToString() }) };
    }

    private static ByteArrayContent JsonContent(object payload)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(payload, Json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Slack's three control characters in text.</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
