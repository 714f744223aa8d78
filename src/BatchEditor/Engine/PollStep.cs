using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>Running → Running (poll later) | Copying | Failed. Scheduled through next_run_at, never a sleeping thread.</summary>
public sealed class PollStep(ProviderRegistry providers, ItemTransitions transitions, NpgsqlDataSource dataSource,
    IOptions<WorkerOptions> options, TimeProvider clock)
{
    public async Task RunAsync(ClaimedItem item, string owner, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
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
        var interval = Backoff.Poll(item.PollCount, settings.MinPollInterval, settings.MaxPollInterval);
        switch (outcome)
        {
            case PollOutcome.InProgress progress:
                var wait = progress.NextPollAfter is { } hint && hint > interval ? hint : interval;
                await transitions.PollLater(item, owner, $"{progress.ProviderStatus} at {item.Provider}; poll {item.PollCount + 2} in {wait.TotalSeconds:0.#} s", now + wait, ct);
                break;
            case PollOutcome.Completed completed:
                var adjustment = completed.Cost is { } reported ? await AdjustmentAsync(item.Id, reported, ct) : null;
                await transitions.JobCompleted(item, owner, completed, adjustment, ct);
                break;
            case PollOutcome.Failed failed:
                var refund = failed.Refunded ? await RefundAsync(item.Id, failed.Reason, ct) : null;
                await transitions.JobFailed(item, owner, failed.Reason + (refund is null ? "" : "; credits refunded"), refund, ct);
                break;
            case PollOutcome.Transient transient:
                var retry = transient.RetryAfter is { } after && after > interval ? after : interval;
                await transitions.PollLater(item, owner, $"{transient.Reason}; poll again in {retry.TotalSeconds:0.#} s", now + retry, ct);
                break;
        }
    }

    private async Task<LedgerEntry?> AdjustmentAsync(long itemId, CostReport reported, CancellationToken ct)
    {
        var (credits, usd) = await ChargedAsync(itemId, ct);
        return LedgerEntry.Adjustment(credits, usd, reported);
    }

    private async Task<LedgerEntry?> RefundAsync(long itemId, string reason, CancellationToken ct)
    {
        var (credits, usd) = await ChargedAsync(itemId, ct);
        return credits == 0 && (usd ?? 0) == 0 ? null : LedgerEntry.Refund(credits, usd, $"refund: {reason}");
    }

    /// <summary>What the ledger holds for the item so far (the item is leased, so nothing else writes it meanwhile).</summary>
    private async Task<(decimal Credits, decimal? Usd)> ChargedAsync(long itemId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select coalesce(sum(credits), 0), sum(cost_usd) from usage_ledger where item_id = $1");
        cmd.Parameters.AddWithValue(itemId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetDecimal(0), r.IsDBNull(1) ? null : r.GetDecimal(1));
    }
}
