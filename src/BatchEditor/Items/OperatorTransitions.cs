using BatchEditor.Providers;

namespace BatchEditor.Items;

/// <summary>
/// The state changes a person asks for (CLI, dashboard), one named method each, through the same guarded
/// <see cref="TransitionApplier"/> as the worker's: an action on an item that moved meanwhile matches nothing. Actions on
/// many items take their ids in one statement. Each returns the ids that moved.
/// </summary>
public sealed class OperatorTransitions(TransitionApplier applier)
{
    /// <summary>Columns reset when an item starts a new run (an operator's resubmit or retry).</summary>
    private const string NewRun =
        "run = run + 1, next_run_at = now(), retrying_since = null, submit_sent_at = null, provider_job_id = null, status_url = null, " +
        "result_url = null, submitted_at = null, outputs_expire_at = null, poll_count = 0, copy_attempts = 0, finished_at = null";

    /// <summary>Final states an operator may run again; Succeeded never is (that would pay twice for the same edit).</summary>
    public static readonly ItemState[] Retryable = [ItemState.Failed, ItemState.Expired, ItemState.Cancelled];

    public static readonly ItemState[] Cancellable = [ItemState.Pending, ItemState.Held, ItemState.NeedsReview, ItemState.Submitting, ItemState.Running];

    /// <summary>NeedsReview → Pending as a new run: the operator found no job at the provider, so its possible charges are released.</summary>
    public Task<bool> ResubmitReviewed(long itemId, int run, string actor, IReadOnlyList<LedgerEntry> releases, CancellationToken ct)
    {
        var t = new Transition([itemId], [ItemState.NeedsReview], ItemState.Pending, $"resubmitted by {actor} after review: no job was found at the provider", actor)
        {
            Set = NewRun,
            Guard = "run = @run",
            Parameters = { ("run", run) },
            WakesWorkers = true,
        };
        t.Ledger.AddRange(releases);
        return applier.ApplyToOneAsync(t, ct);
    }

    /// <summary>NeedsReview → Failed: not resubmitted; what it may have been billed stays on the ledger.</summary>
    public Task<bool> FailReviewed(long itemId, string actor, string reason, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [ItemState.NeedsReview], ItemState.Failed, reason, actor) { Set = "finished_at = now()" }, ct);

    /// <summary>NeedsReview → Running: the job exists at the provider; poll it instead of paying again.</summary>
    public Task<bool> AdoptJob(long itemId, int run, string actor, ProviderJob job, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [ItemState.NeedsReview], ItemState.Running, $"job {job.JobId} adopted by {actor} after review", actor)
        {
            Set = "provider_job_id = @job_id, status_url = @status_url, result_url = @result_url, submitted_at = coalesce(submitted_at, now()), " +
                  "next_run_at = now(), poll_count = 0",
            Guard = "run = @run",
            Parameters = { ("job_id", job.JobId), ("status_url", job.StatusUrl), ("result_url", job.ResultUrl), ("run", run) },
            WakesWorkers = true,
        }, ct);

    /// <summary>NeedsReview → Copying: a late answer carried the outputs themselves; copy them instead of paying again.</summary>
    public Task<bool> AdoptOutputs(long itemId, int run, string actor, string reference, IReadOnlyList<OutputRef> outputs,
        LedgerEntry? adjustment, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [ItemState.NeedsReview], ItemState.Copying,
            $"{outputs.Count} output(s) of {reference} adopted by {actor} after review", actor)
        {
            Set = "provider_job_id = @job_id, submitted_at = coalesce(submitted_at, now()), next_run_at = now(), outputs_expire_at = @expires",
            Guard = "run = @run",
            Parameters = { ("job_id", reference), ("expires", ItemTransitions.EarliestExpiry(outputs)), ("run", run) },
            Outputs = (run, outputs),
            Ledger = { adjustment },
            WakesWorkers = true,
        }, ct);

    /// <summary>Failed / Expired (or another final state) → Pending as a new run.</summary>
    public async Task<List<long>> Retry(long[] ids, ItemState[] from, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, from, ItemState.Pending, $"retried by {actor}", actor) { Set = NewRun, WakesWorkers = true }, ct));

    /// <summary>
    /// Not final yet → Cancelled. Copying items are left to finish: their outputs are paid for. A Running job may still be
    /// billed by its provider; its charge stays on the ledger.
    /// </summary>
    public async Task<List<long>> Cancel(long[] ids, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, Cancellable, ItemState.Cancelled, $"cancelled by {actor}", actor) { Set = "finished_at = now()" }, ct));

    public async Task<List<long>> Hold(long[] ids, string actor, CancellationToken ct, string? reason = null) =>
        Ids(await applier.ApplyAsync(new(ids, [ItemState.Pending], ItemState.Held, reason ?? $"held by {actor}", actor), ct));

    public async Task<List<long>> ReleaseHeld(long[] ids, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, [ItemState.Held], ItemState.Pending, $"released by {actor}", actor)
        {
            Set = "next_run_at = now()",
            WakesWorkers = true,
        }, ct));

    private static List<long> Ids(List<TransitionSql.Moved> moved) => moved.Select(m => m.Id).ToList();
}
