using BatchEditor.Providers;

namespace BatchEditor.Items;

/// <summary>
/// The state changes a person asks for (CLI, dashboard), one named method each, through the same guarded
/// <see cref="TransitionApplier"/> as the worker's: an action on an item that moved meanwhile matches nothing. Actions on
/// many items take their ids in one statement. Each returns the ids that moved. Whatever could pay for an item again
/// (retry, resubmit) is refused, inside its guarded statement, while a submit of the item may have been billed and is
/// not settled (<see cref="Guards.NoUnsettledAttempt"/>); settling is an operator's decision too (adopt, release, keep).
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

    /// <summary>States an item can be adopted into a job from: waiting for review, or cancelled while its job was out.</summary>
    public static readonly ItemState[] Adoptable = [ItemState.NeedsReview, ItemState.Cancelled];

    /// <summary>
    /// A Failed item whose paid outputs are still there to copy: the copy failed on our side (configuration, storage, the
    /// outbound guard), not at the provider, and none of the run's outputs has expired.
    /// </summary>
    public const string Recopyable =
        "exists (select 1 from outputs o where o.item_id = items.id and o.run = items.run and o.state = " + OutputStateSql.Pending + ") " +
        "and not exists (select 1 from outputs o where o.item_id = items.id and o.run = items.run and o.state = " + OutputStateSql.Pending + " and o.expires_at <= now())";

    /// <summary>NeedsReview → Pending as a new run: the operator found no job at the provider, so its possible charges are released.</summary>
    public Task<bool> ResubmitReviewed(long itemId, int run, string actor, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [ItemState.NeedsReview], ItemState.Pending, $"resubmitted by {actor} after review: no job was found at the provider", actor)
        {
            Set = NewRun,
            Guard = $"run = @run and {Guards.NoLateAnswer}",
            Parameters = { ("run", run) },
            LockFirst = true,
            ReleasesUnsettled = true,
            Settles = "released",
            WakesWorkers = true,
        }, ct);

    /// <summary>NeedsReview → Failed: not resubmitted; what it may have been billed stays on the ledger.</summary>
    public Task<bool> FailReviewed(long itemId, string actor, string reason, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [ItemState.NeedsReview], ItemState.Failed, reason, actor)
        {
            Set = "finished_at = now()",
            LockFirst = true,
            Settles = "kept",
        }, ct);

    /// <summary>NeedsReview or Cancelled → Running: the job exists at the provider; poll it instead of paying again.</summary>
    public Task<bool> AdoptJob(long itemId, int run, string actor, ProviderJob job, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], Adoptable, ItemState.Running, $"job {job.JobId} adopted by {actor} after review", actor)
        {
            Set = "provider_job_id = @job_id, status_url = @status_url, result_url = @result_url, submitted_at = coalesce(submitted_at, now()), " +
                  "next_run_at = now(), poll_count = 0, finished_at = null",
            Guard = "run = @run",
            Parameters = { ("job_id", job.JobId), ("status_url", job.StatusUrl), ("result_url", job.ResultUrl), ("run", run) },
            LockFirst = true,
            Settles = "adopted",
            WakesWorkers = true,
        }, ct);

    /// <summary>NeedsReview or Cancelled → Copying: a late answer carried the outputs themselves; copy them instead of paying again.</summary>
    public Task<bool> AdoptOutputs(long itemId, int run, string actor, string reference, IReadOnlyList<OutputRef> outputs,
        LedgerEntry? adjustment, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], Adoptable, ItemState.Copying,
            $"{outputs.Count} output(s) of {reference} adopted by {actor} after review", actor)
        {
            Set = "provider_job_id = @job_id, submitted_at = coalesce(submitted_at, now()), next_run_at = now(), outputs_expire_at = @expires, finished_at = null",
            Guard = "run = @run",
            Parameters = { ("job_id", reference), ("expires", ItemTransitions.EarliestExpiry(outputs)), ("run", run) },
            Outputs = (run, outputs),
            Ledger = { adjustment },
            LockFirst = true,
            Settles = "adopted",
            WakesWorkers = true,
        }, ct);

    /// <summary>
    /// An unsettled submit of an item that is not waiting for review (cancelled while out, or a late answer of an earlier
    /// run): its charge stands, and the item may be paid for again. The item stays in <paramref name="state"/>.
    /// </summary>
    public Task<bool> KeepCharges(long itemId, ItemState state, string actor, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [state], state, $"{actor} kept the possible charge of its unsettled submit; it may be submitted again", actor)
        {
            Guard = $"not {Guards.NoUnsettledAttempt}",
            LockFirst = true,
            Settles = "kept",
        }, ct);

    /// <summary>The operator found no job for an unsettled submit that never answered: its possible charge is released.</summary>
    public Task<bool> ReleaseCharges(long itemId, ItemState state, string actor, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [state], state, $"{actor} released the possible charge of its unsettled submit: no job was found at the provider", actor)
        {
            Guard = $"not {Guards.NoUnsettledAttempt} and {Guards.NoLateAnswer}",
            LockFirst = true,
            ReleasesUnsettled = true,
            Settles = "released",
        }, ct);

    /// <summary>Failed → Copying, same run: its paid outputs are copied again instead of paying for new ones.</summary>
    public async Task<List<long>> Recopy(long[] ids, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, [ItemState.Failed], ItemState.Copying, $"copy retried by {actor}: the outputs were paid for and are still there", actor)
        {
            Set = "next_run_at = now(), copy_attempts = 0, finished_at = null",
            Guard = $"{Recopyable} and {Guards.NoUnsettledAttempt}",
            LockFirst = true,
            WakesWorkers = true,
        }, ct));

    /// <summary>
    /// Failed / Expired (or another final state) → Pending as a new run, unless a submit of it is unsettled. Returns each
    /// moved item with the run it left (what that run cost is what a new run pays again).
    /// </summary>
    public async Task<List<(long Id, int FromRun)>> Retry(long[] ids, ItemState[] from, string actor, CancellationToken ct) =>
        (await applier.ApplyAsync(new(ids, from, ItemState.Pending, $"retried by {actor}", actor)
        {
            Set = NewRun,
            Guard = Guards.NoUnsettledAttempt,
            LockFirst = true,
            WakesWorkers = true,
        }, ct)).Select(m => (m.Id, m.FromRun)).ToList();

    /// <summary>
    /// Not final yet → Cancelled. Copying items are left to finish: their outputs are paid for. A Running job may still be
    /// billed by its provider; its charge stays on the ledger. A submit whose request is out books its possible charge,
    /// and its answer, when it comes, is booked and listed by `review` (<see cref="Leases.RecordLateResultAsync"/>).
    /// </summary>
    public async Task<List<long>> Cancel(long[] ids, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, Cancellable, ItemState.Cancelled, $"cancelled by {actor}", actor)
        {
            Set = "finished_at = now()",
            BooksSentSubmits = true,
        }, ct));

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
