using BatchEditor.Jobs;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Alerting;

/// <summary>
/// One round of alerts: evaluate every rule, reconcile the episodes (<see cref="AlertStore"/>), and hand the digest that
/// is due, if any, to Hangfire for each configured channel (<see cref="AlertDelivery"/>, retried there).
/// </summary>
public sealed partial class AlertEvaluator(AlertConditions conditions, AlertStore store, IBackgroundJobClient jobs, IOptions<AlertOptions> options,
    ILogger<AlertEvaluator> logger)
{
    /// <returns>The digest written this round, or null when nothing was due.</returns>
    public async Task<long?> EvaluateOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var found = await conditions.EvaluateAsync(ct);
        var webhook = !string.IsNullOrEmpty(o.WebhookUrl);
        var slack = !string.IsNullOrEmpty(o.SlackWebhookUrl);
        if (await store.ReconcileAsync(found, o.MinInterval, webhook, slack, ct) is not var (id, entries)) return null;
        foreach (var e in entries) LogAlert(e.Rule, e.Subject, e.State, e.Detail);
        if (webhook) jobs.Enqueue<AlertDelivery>(d => d.DeliverAsync(id, AlertChannels.Webhook, CancellationToken.None));
        if (slack) jobs.Enqueue<AlertDelivery>(d => d.DeliverAsync(id, AlertChannels.Slack, CancellationToken.None));
        return id;
    }

    [LoggerMessage(LogLevel.Warning, "Alert {Rule} for {Subject}: {State}: {Detail}")]
    private partial void LogAlert(string rule, string subject, string state, string detail);
}

/// <summary>Runs the <see cref="AlertEvaluator"/> in every worker's Hangfire server, every <see cref="AlertOptions.EvaluateInterval"/>.</summary>
public sealed class AlertProcess(AlertEvaluator evaluator, IOptions<AlertOptions> options, ILogger<AlertProcess> logger)
    : MaintenanceProcess(options.Value.EvaluateInterval, logger)
{
    protected override string Name => "alerts";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        if (options.Value.Enabled) await evaluator.EvaluateOnceAsync(ct);
    }
}
