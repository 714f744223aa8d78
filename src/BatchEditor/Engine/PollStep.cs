using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>Running → Running (poll later) | Copying | Failed. Scheduled through next_run_at, never a sleeping thread.</summary>
public sealed class PollStep(ProviderRegistry providers, ItemTransitions transitions, LedgerQueries ledger, Budgets.BudgetGuard budgets,
    Polling.JobLatencies latencies, IOptions<WorkerOptions> options, Telemetry.BatchEditorMetrics metrics)
{
    public async Task RunAsync(ClaimedItem item, string owner, CancellationToken ct)
    {
        var now = item.Now(); // the database's clock: a worker whose clock runs fast fails no live job
        if (!providers.TryGet(item.Provider, out var provider, out var settings) || item.Job is not { } job)
        {
            await transitions.Release(item, owner, $"provider '{item.Provider}' is not configured on worker {owner}", now.AddMinutes(1), ct);
            return;
        }
        if (item.SubmittedAt is { } submitted && now - submitted > options.Value.MaxJobDuration)
        {
            await transitions.JobFailed(item, owner,
                $"{item.Provider} job {job.JobId} still unfinished after {options.Value.MaxJobDuration}; given up (check the provider's dashboard before resubmitting)", null, ct);
            return;
        }

        var outcome = await provider.PollAsync(job, ct);
        metrics.ProviderCalled(item.Provider, "poll", Telemetry.OutcomeName.Of(outcome));
        var kind = Polling.JobLatencies.KindOf(item);
        var elapsed = now - (item.SubmittedAt ?? now);
        switch (outcome)
        {
            case PollOutcome.InProgress progress:
                var next = Polling.PollTiming.NextWait(latencies.For(kind), elapsed, polled: item.PollCount + 1, settings);
                var wait = progress.NextPollAfter is { } hint && hint > next ? hint : next;
                await transitions.PollLater(item, owner, $"{progress.ProviderStatus} at {item.Provider}; poll {item.PollCount + 2} in {wait.TotalSeconds:0.#} s", now, now + wait, ct);
                break;
            case PollOutcome.Completed { Outputs.Count: 0 } empty:
                // "Done" without an image is a failure in the provider's own words; what it charged stays on the ledger.
                await transitions.JobFailed(item, owner,
                    $"{item.Provider} job {job.JobId} reported completion without any output: {empty.ProviderText ?? "(no text)"}", null, ct);
                break;
            case PollOutcome.Completed completed:
                if (item.SubmittedAt is { } submittedAt) latencies.Record(kind, elapsed, item.LastPolledAt - submittedAt);
                var adjustment = completed.Cost is { } reported ? await AdjustmentAsync(item, reported, ct) : null;
                await transitions.JobCompleted(item, owner, completed, adjustment, ct);
                await budgets.PauseIfBelowFloorAsync(item.Provider, settings, completed.Cost, owner, ct);
                break;
            case PollOutcome.Failed failed:
                var refund = failed.Refunded ? await RefundAsync(item, failed.Reason, ct) : null;
                await transitions.JobFailed(item, owner, failed.Reason + (refund is null ? "" : "; credits refunded"), refund, ct);
                break;
            case PollOutcome.Transient transient:
                // The poll learned nothing about the job: back off on the poll count, or as long as the provider asks.
                var interval = Backoff.Poll(item.PollCount, settings.MinPollInterval, settings.MaxPollInterval);
                var retry = transient.RetryAfter is { } after && after > interval ? after : interval;
                await transitions.PollLater(item, owner, $"{transient.Reason}; poll again in {retry.TotalSeconds:0.#} s", null, now + retry, ct);
                break;
        }
    }

    private async Task<LedgerEntry?> AdjustmentAsync(ClaimedItem item, CostReport reported, CancellationToken ct)
    {
        var (credits, usd) = await ledger.ChargedAsync(item.Id, item.Run, ct);
        return LedgerEntry.Adjustment(credits, usd, reported);
    }

    private async Task<LedgerEntry?> RefundAsync(ClaimedItem item, string reason, CancellationToken ct)
    {
        var (credits, usd) = await ledger.ChargedAsync(item.Id, item.Run, ct);
        return credits == 0 && (usd ?? 0) == 0 ? null : LedgerEntry.Refund(credits, usd, $"refund: {reason}");
    }
}
