using BatchEditor.Providers;

namespace BatchEditor.Items;

/// <summary>
/// The state changes made by worker steps and the rescuer, one named method each (docs/state-machine.md). A leased
/// step's change is guarded on the claim's fencing token: when it returns false the item was taken from this worker
/// (rescued, cancelled by an operator) and the caller must not treat its result as written. Operator actions live in
/// <see cref="OperatorTransitions"/>; both go through <see cref="TransitionApplier"/>.
/// </summary>
public sealed class ItemTransitions(TransitionApplier applier)
{
    private static readonly ItemState[] FromSubmitting = [ItemState.Submitting];
    private static readonly ItemState[] FromRunning = [ItemState.Running];
    private static readonly ItemState[] FromCopying = [ItemState.Copying];

    public Task<bool> SubmitAccepted(ClaimedItem item, string owner, SubmitOutcome.Accepted accepted, DateTimeOffset firstPoll, CostReport cost, CancellationToken ct) =>
        Leased(item, new([item.Id], FromSubmitting, ItemState.Running, $"accepted by {item.Provider} as job {accepted.Job.JobId}", owner)
        {
            Changes = ItemChanges.ExpiringAt(accepted.OutputsExpireAt) with
            {
                Job = accepted.Job, SubmittedAt = Change.Now, NextRunAt = firstPoll, PollCount = Change.Reset, ClearsLastPoll = true,
                RetryingSince = Change.Clear,
            },
            Ledger = { LedgerEntry.Charge(cost) },
            Attempt = (item.AttemptId, "accepted", accepted.HttpStatus, accepted.Job.JobId, null),
        }, ct);

    public Task<bool> SubmitCompleted(ClaimedItem item, string owner, SubmitOutcome.Completed completed, CostReport cost, CancellationToken ct) =>
        Leased(item, new([item.Id], FromSubmitting, ItemState.Copying, $"{item.Provider} answered with {completed.Outputs.Count} output(s) at once", owner)
        {
            Changes = ItemChanges.ExpiringAt(EarliestExpiry(completed.Outputs)) with
            {
                JobReference = completed.JobId, SubmittedAt = Change.Now, DueNow = true, RetryingSince = Change.Clear,
            },
            Ledger = { LedgerEntry.Charge(cost) },
            Outputs = (item.Run, completed.Outputs),
            Attempt = (item.AttemptId, "completed", completed.HttpStatus, completed.JobId, null),
        }, ct);

    /// <summary>The provider said the edit succeeded but returned no image: final, and what it may bill stays on the ledger.</summary>
    public Task<bool> SubmitCompletedEmpty(ClaimedItem item, string owner, string reason, int httpStatus, CostReport cost, CancellationToken ct) =>
        Leased(item, new([item.Id], FromSubmitting, ItemState.Failed, reason, owner)
        {
            Changes = new() { SubmittedAt = Change.Now, FinishedAt = Change.Now, RetryingSince = Change.Clear },
            Ledger = { LedgerEntry.Charge(cost) },
            Attempt = (item.AttemptId, "completed-empty", httpStatus, null, reason),
        }, ct);

    /// <summary>
    /// Nothing was created (a refusal that proves it, or the request never left): submit again at <paramref name="at"/>.
    /// <c>retrying_since</c> remembers when the current streak of such refusals began.
    /// </summary>
    public Task<bool> SubmitRetryLater(ClaimedItem item, string owner, string reason, DateTimeOffset at, int? httpStatus, CancellationToken ct) =>
        Leased(item, new([item.Id], FromSubmitting, ItemState.Pending, reason, owner)
        {
            Changes = new() { NextRunAt = at, RetryingSince = Change.NowIfUnset },
            Attempt = (item.AttemptId, "retryable", httpStatus, null, reason),
        }, ct);

    public Task<bool> SubmitRejected(ClaimedItem item, string owner, string reason, int? httpStatus, CancellationToken ct) =>
        Leased(item, new([item.Id], FromSubmitting, ItemState.Failed, reason, owner)
        {
            Changes = new() { FinishedAt = Change.Now, RetryingSince = Change.Clear },
            Attempt = (item.AttemptId, "rejected", httpStatus, null, reason),
        }, ct);

    /// <summary>
    /// A refusal that proves nothing was created, for an item with a route: it goes to the route's next choice, due now,
    /// instead of failing. The attempt is settled as rejected; nothing is booked.
    /// </summary>
    public Task<bool> SubmitRerouted(ClaimedItem item, string owner, RouteChoice to, string reason, int? httpStatus, CancellationToken ct) =>
        Leased(item, new([item.Id], FromSubmitting, ItemState.Pending, $"moved from {item.Provider} to {to.Provider}: {reason}", owner)
        {
            Changes = new() { DueNow = true, RetryingSince = Change.Clear, Reroute = (to, $"from {item.Provider}: {reason}") },
            Attempt = (item.AttemptId, "rejected", httpStatus, null, reason),
            WakesWorkers = true,
        }, ct);

    /// <summary>The submit may have reached the provider: park it for a person, and book what it may cost.</summary>
    public Task<bool> SubmitUncertain(ClaimedItem item, string owner, string reason, int? httpStatus, CostReport estimate, CancellationToken ct) =>
        Leased(item, new([item.Id], FromSubmitting, ItemState.NeedsReview, reason, owner)
        {
            Changes = new() { RetryingSince = Change.Clear },
            Ledger = { LedgerEntry.PossibleCharge(estimate, item.AttemptId) },
            Attempt = (item.AttemptId, "ambiguous", httpStatus, null, reason),
        }, ct);

    /// <summary>
    /// Not a state change: poll again at <paramref name="at"/>. <paramref name="seenUnfinishedAt"/>: when the provider said
    /// the job was still running (null: the poll learned nothing, e.g. a 503), kept because adaptive polling learns
    /// latencies from it.
    /// </summary>
    public Task<bool> PollLater(ClaimedItem item, string owner, string reason, DateTimeOffset? seenUnfinishedAt, DateTimeOffset at, CancellationToken ct) =>
        Leased(item, new([item.Id], FromRunning, ItemState.Running, reason, owner)
        {
            Changes = new() { NextRunAt = at, PollCount = Change.Increment, SeenUnfinishedAt = seenUnfinishedAt },
            WriteHistory = false,
        }, ct);

    public Task<bool> JobCompleted(ClaimedItem item, string owner, PollOutcome.Completed completed, LedgerEntry? adjustment, CancellationToken ct) =>
        Leased(item, new([item.Id], FromRunning, ItemState.Copying, $"{item.Provider} job {item.ProviderJobId} completed with {completed.Outputs.Count} output(s)", owner)
        {
            Changes = ItemChanges.ExpiringAt(EarliestExpiry(completed.Outputs)) with { DueNow = true, PollCount = Change.Increment },
            Ledger = { adjustment },
            Outputs = (item.Run, completed.Outputs),
        }, ct);

    public Task<bool> JobFailed(ClaimedItem item, string owner, string reason, LedgerEntry? refund, CancellationToken ct) =>
        Leased(item, new([item.Id], FromRunning, ItemState.Failed, reason, owner)
        {
            Changes = new() { FinishedAt = Change.Now, PollCount = Change.Increment },
            Ledger = { refund },
        }, ct);

    public Task<bool> OutputStored(ClaimedItem item, string owner, int ordinal, StoredOutput blob, CancellationToken ct) =>
        Leased(item, new([item.Id], FromCopying, ItemState.Copying, $"output {ordinal + 1} stored at {blob.Location}", owner)
        {
            KeepLease = true, // more outputs may follow under the same lease
            WriteHistory = false,
            StoresOutput = (ordinal, blob),
        }, ct);

    /// <summary>Copy again at <paramref name="at"/>; <paramref name="countsAsAttempt"/> is false while the storage is down (the outputs' expiry is the limit then).</summary>
    public Task<bool> CopyRetryLater(ClaimedItem item, string owner, string reason, DateTimeOffset at, bool countsAsAttempt, CancellationToken ct) =>
        Leased(item, new([item.Id], FromCopying, ItemState.Copying, reason, owner)
        {
            Changes = new() { NextRunAt = at, CopyAttempts = countsAsAttempt ? Change.Increment : Change.Unchanged },
            WriteHistory = false,
        }, ct);

    /// <summary>Every output is stored: <paramref name="last"/>, the one stored just now (if any), is recorded with the move.</summary>
    public Task<bool> CopySucceeded(ClaimedItem item, string owner, int outputs, (int Ordinal, StoredOutput Blob)? last, CancellationToken ct) =>
        Leased(item, new([item.Id], FromCopying, ItemState.Succeeded, $"{outputs} output(s) stored and verified", owner)
        {
            Changes = new() { FinishedAt = Change.Now },
            StoresOutput = last,
        }, ct);

    /// <summary>An output expired before it was copied: final, with its cost kept on the ledger.</summary>
    public Task<bool> OutputsExpired(ClaimedItem item, string owner, string reason, CancellationToken ct) =>
        Leased(item, new([item.Id], FromCopying, ItemState.Expired, reason, owner)
        {
            Changes = new() { FinishedAt = Change.Now },
            ExpiresOutputs = true,
        }, ct);

    /// <summary>How the reason of an item whose output failed its check begins (<see cref="OutputCheckFailed"/>).</summary>
    public const string CheckFailedPrefix = "output check failed";

    /// <summary>
    /// A stored output failed its check: final, the output kept (it was paid for) and recorded with the move. A retry runs
    /// the item again; it never copies the run's other outputs as if the run were good (<see cref="TransitionGuard.Recopyable"/>).
    /// </summary>
    public Task<bool> OutputCheckFailed(ClaimedItem item, string owner, int ordinal, StoredOutput blob, string failure, CancellationToken ct) =>
        Leased(item, new([item.Id], FromCopying, ItemState.Failed,
            $"{CheckFailedPrefix}: output {ordinal + 1} {failure}; it is kept (paid for) at {blob.Location}. " +
            $"Look at it, then `batch-editor retry {item.ManifestName} --cause output-check` runs the item again (paid again)", owner)
        {
            Changes = new() { FinishedAt = Change.Now },
            StoresOutput = (ordinal, blob),
        }, ct);

    public Task<bool> CopyFailed(ClaimedItem item, string owner, string reason, CancellationToken ct) =>
        Leased(item, new([item.Id], FromCopying, ItemState.Failed, reason, owner) { Changes = new() { FinishedAt = Change.Now } }, ct);

    /// <summary>Gives a claimed item back untouched (shutdown before its step began, or a provider not configured here).</summary>
    public Task<bool> Release(ClaimedItem item, string owner, string reason, DateTimeOffset at, CancellationToken ct) =>
        item.State == ItemState.Submitting
            ? Leased(item, new([item.Id], FromSubmitting, ItemState.Pending, reason, owner)
            {
                Changes = new() { NextRunAt = at },
                Attempt = (item.AttemptId, "not-sent", null, null, reason),
            }, ct)
            : Leased(item, new([item.Id], [item.State], item.State, reason, owner)
            {
                Changes = new() { NextRunAt = at },
                WriteHistory = false,
            }, ct);

    /// <summary>
    /// Rescuer: a submit lease lapsed before the fenced send mark, so the request never left: submit again. The guard
    /// reads the mark on the row it moves, under its lock: a worker marking at the same moment either wins (and this
    /// matches nothing) or loses (and its mark matches nothing).
    /// </summary>
    public Task<bool> RescueUnsent(ClaimedItem item, string actor, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([item.Id], FromSubmitting, ItemState.Pending, "worker lease lapsed before the submit was sent; safe to submit again", actor)
        {
            Changes = new() { DueNow = true },
            Guard = new() { LapsedAfterSend = false },
            Attempt = (item.AttemptId, "not-sent", null, null, "lease lapsed before sending"),
            WakesWorkers = true,
        }, ct);

    /// <summary>Rescuer: a submit lease lapsed after the send mark; the job may exist and may be billed.</summary>
    public Task<bool> RescueInFlight(ClaimedItem item, string actor, string lostWorker, CostReport estimate, CancellationToken ct) =>
        applier.ApplyToOneAsync(new([item.Id], FromSubmitting, ItemState.NeedsReview,
            $"worker {lostWorker} was lost while its submit was in flight; the job may exist and may be billed, so it is not resubmitted automatically", actor)
        {
            Guard = new() { LapsedAfterSend = true },
            Ledger = { LedgerEntry.PossibleCharge(estimate, item.AttemptId) },
            Attempt = (item.AttemptId, "lost", null, null, $"worker {lostWorker} lost its lease after sending"),
        }, ct);

    private Task<bool> Leased(ClaimedItem item, Transition t, CancellationToken ct) =>
        applier.ApplyToOneAsync(t with { LeaseToken = item.LeaseToken ?? throw new InvalidOperationException($"item {item.Id} is not leased") }, ct);

    internal static DateTimeOffset? EarliestExpiry(IReadOnlyList<OutputRef> outputs) =>
        outputs.Select(o => o.ExpiresAt).Where(e => e is not null).Min();
}
