using BatchEditor.Providers;

namespace BatchEditor.Items;

/// <summary>
/// The state changes a person asks for (CLI, dashboard), one named method each, through the same guarded
/// <see cref="TransitionApplier"/> as the worker's: an action on an item that moved meanwhile matches nothing. Actions on
/// many items take their ids in one statement. Each returns the ids that moved. Whatever could pay for an item again
/// (retry, resubmit) is refused, inside its guarded statement, while a submit of the item may have been billed and is
/// not settled (<see cref="TransitionGuard.UnsettledAttempt"/>); settling is an operator's decision too (adopt, release, keep).
/// </summary>
public sealed class OperatorTransitions(TransitionApplier applier)
{
    /// <summary>Final states an operator may run again; Succeeded never is (that would pay twice for the same edit).</summary>
    public static readonly ItemState[] Retryable = [ItemState.Failed, ItemState.Expired, ItemState.Cancelled];

    public static readonly ItemState[] Cancellable = [ItemState.Pending, ItemState.Held, ItemState.NeedsReview, ItemState.Submitting, ItemState.Running];

    /// <summary>States an item can be adopted into a job from: waiting for review, or cancelled while its job was out.</summary>
    public static readonly ItemState[] Adoptable = [ItemState.NeedsReview, ItemState.Cancelled];

    /// <summary>NeedsReview → Pending as a new run: the operator found no job at the provider, so its possible charges are released.</summary>
    public Task<bool> ResubmitReviewed(long itemId, int run, string actor, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [ItemState.NeedsReview], ItemState.Pending, $"resubmitted by {actor} after review: no job was found at the provider", actor)
        {
            Changes = new() { NewRun = true },
            Guard = new() { Run = run, NoLateAnswer = true },
            LockFirst = true,
            ReleasesUnsettled = true,
            Settles = Settlement.Released,
            WakesWorkers = true,
        }, ct);

    /// <summary>NeedsReview → Failed: not resubmitted; what it may have been billed stays on the ledger.</summary>
    public Task<bool> FailReviewed(long itemId, string actor, string reason, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [ItemState.NeedsReview], ItemState.Failed, reason, actor)
        {
            Changes = new() { FinishedAt = Change.Now },
            LockFirst = true,
            Settles = Settlement.Kept,
        }, ct);

    /// <summary>NeedsReview or Cancelled → Running: the job exists at the provider; poll it instead of paying again.</summary>
    public Task<bool> AdoptJob(long itemId, int run, string actor, ProviderJob job, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], Adoptable, ItemState.Running, $"job {job.JobId} adopted by {actor} after review", actor)
        {
            Changes = new() { Job = job, SubmittedAt = Change.NowIfUnset, DueNow = true, PollCount = Change.Reset, FinishedAt = Change.Clear },
            Guard = new() { Run = run },
            LockFirst = true,
            Settles = Settlement.Adopted,
            WakesWorkers = true,
        }, ct);

    /// <summary>NeedsReview or Cancelled → Copying: a late answer carried the outputs themselves; copy them instead of paying again.</summary>
    public Task<bool> AdoptOutputs(long itemId, int run, string actor, string reference, IReadOnlyList<OutputRef> outputs,
        LedgerEntry? adjustment, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], Adoptable, ItemState.Copying,
            $"{outputs.Count} output(s) of {reference} adopted by {actor} after review", actor)
        {
            Changes = ItemChanges.ExpiringAt(ItemTransitions.EarliestExpiry(outputs)) with
            {
                JobReference = reference, SubmittedAt = Change.NowIfUnset, DueNow = true, FinishedAt = Change.Clear,
            },
            Guard = new() { Run = run },
            Outputs = (run, outputs),
            Ledger = { adjustment },
            LockFirst = true,
            Settles = Settlement.Adopted,
            WakesWorkers = true,
        }, ct);

    /// <summary>
    /// An unsettled submit of an item that is not waiting for review (cancelled while out, or a late answer of an earlier
    /// run): its charge stands, and the item may be paid for again. The item stays in <paramref name="state"/>.
    /// </summary>
    public Task<bool> KeepCharges(long itemId, ItemState state, string actor, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [state], state, $"{actor} kept the possible charge of its unsettled submit; it may be submitted again", actor)
        {
            Guard = new() { UnsettledAttempt = true },
            LockFirst = true,
            Settles = Settlement.Kept,
        }, ct);

    /// <summary>The operator found no job for an unsettled submit that never answered: its possible charge is released.</summary>
    public Task<bool> ReleaseCharges(long itemId, ItemState state, string actor, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([itemId], [state], state, $"{actor} released the possible charge of its unsettled submit: no job was found at the provider", actor)
        {
            Guard = new() { UnsettledAttempt = true, NoLateAnswer = true },
            LockFirst = true,
            ReleasesUnsettled = true,
            Settles = Settlement.Released,
        }, ct);

    /// <summary>Failed → Copying, same run: its paid outputs are copied again instead of paying for new ones.</summary>
    public async Task<List<long>> Recopy(long[] ids, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, [ItemState.Failed], ItemState.Copying, $"copy retried by {actor}: the outputs were paid for and are still there", actor)
        {
            Changes = new() { DueNow = true, CopyAttempts = Change.Reset, FinishedAt = Change.Clear },
            Guard = new() { Recopyable = true, UnsettledAttempt = false },
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
            Changes = new() { NewRun = true },
            Guard = new() { UnsettledAttempt = false },
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
            Changes = new() { FinishedAt = Change.Now },
            BooksSentSubmits = true,
        }, ct));

    /// <summary>
    /// Items run again, each with its new prompt, as a new run (paid again: a new prompt is a new edit), unless a submit
    /// of it is unsettled: a rejected sample (from Succeeded too), or a failure group retried with a new prompt.
    /// </summary>
    /// <returns>Each moved item with the run it left (what that run cost is what the new one pays again).</returns>
    public async Task<List<(long Id, int FromRun)>> RerunWithPrompts(long[] ids, ItemState[] from, string[] prompts, string reason, string actor, CancellationToken ct) =>
        (await applier.ApplyAsync(new(ids, from, ItemState.Pending, reason, actor)
        {
            Changes = new() { NewRun = true, Prompts = prompts },
            Guard = new() { UnsettledAttempt = false },
            LockFirst = true,
            WakesWorkers = true,
        }, ct)).Select(m => (m.Id, m.FromRun)).ToList();

    /// <summary>Items not yet submitted (<paramref name="state"/>: Pending or Held) take a new prompt each, and <paramref name="reason"/>.</summary>
    public async Task<List<long>> Reprompt(long[] ids, string[] prompts, ItemState state, string reason, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, [state], state, reason, actor)
        {
            Changes = new() { Prompts = prompts },
            KeepLease = true,
        }, ct));

    public async Task<List<long>> Hold(long[] ids, string actor, CancellationToken ct, string? reason = null) =>
        Ids(await applier.ApplyAsync(new(ids, [ItemState.Pending], ItemState.Held, reason ?? $"held by {actor}", actor), ct));

    public async Task<List<long>> ReleaseHeld(long[] ids, string actor, CancellationToken ct) =>
        Ids(await applier.ApplyAsync(new(ids, [ItemState.Held], ItemState.Pending, $"released by {actor}", actor)
        {
            Changes = new() { DueNow = true },
            WakesWorkers = true,
        }, ct));

    private static List<long> Ids(List<TransitionSql.Moved> moved) => moved.Select(m => m.Id).ToList();
}
