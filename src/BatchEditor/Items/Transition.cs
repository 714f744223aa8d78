using BatchEditor.Providers;

namespace BatchEditor.Items;

/// <summary>
/// The description of one guarded state change of one or more items, in typed values only: which columns change and
/// how (<see cref="ItemChanges"/>), what the row must still satisfy (<see cref="TransitionGuard"/>) and what is written
/// with the move. Built only by <see cref="ItemTransitions"/>, <see cref="OperatorTransitions"/> and
/// <see cref="ItemClaims"/>; <see cref="TransitionSql"/> turns it into one statement.
/// </summary>
internal sealed record Transition(long[] ItemIds, ItemState[] From, ItemState To, string Reason, string Actor)
{
    public ItemChanges Changes { get; init; } = ItemChanges.None;
    public TransitionGuard Guard { get; init; } = TransitionGuard.None;

    // The rest concern one item only (a single id), except the claim.
    public List<LedgerEntry?> Ledger { get; } = [];
    public (int Run, IReadOnlyList<OutputRef> List)? Outputs { get; init; }
    public (long? AttemptId, string Outcome, int? HttpStatus, string? JobId, string? Detail)? Attempt { get; init; }

    /// <summary>One output of the current run is now in durable storage.</summary>
    public (int Ordinal, StoredOutput Blob)? StoresOutput { get; init; }

    /// <summary>The current run's outputs not yet copied expired.</summary>
    public bool ExpiresOutputs { get; init; }

    /// <summary>The Pending → Submitting claim: a new lease, the reserved estimates and a new attempt per item.</summary>
    public SubmitClaim? Claim { get; init; }

    public bool WriteHistory { get; init; } = true;

    /// <summary>The move makes work due now: idle workers are woken (LISTEN/NOTIFY) when it commits.</summary>
    public bool WakesWorkers { get; init; }

    /// <summary>Whether the worker keeps its lease (false: the item is handed back to the queue).</summary>
    public bool KeepLease { get; init; }

    /// <summary>
    /// The claim's fencing token when a leased step writes: the row must still carry it. Rescuers and operators hold
    /// no lease and pass none.
    /// </summary>
    public Guid? LeaseToken { get; init; }

    /// <summary>
    /// Lock the items first, in a statement of their own, then move them: the guard then sees everything committed before
    /// the lock was granted, attempts included (a late answer takes the item's lock before it writes its attempt).
    /// Operator actions whose guard reads the attempts need it.
    /// </summary>
    public bool LockFirst { get; init; }

    /// <summary>Settles every unsettled submit attempt of the moved items, this way.</summary>
    public Settlement? Settles { get; init; }

    /// <summary>Books a release row for what is still booked against each unsettled attempt (no job existed).</summary>
    public bool ReleasesUnsettled { get; init; }

    /// <summary>
    /// For items moved out of Submitting after their send mark (a cancel while the request is out): books the estimate
    /// reserved at the claim as a possible charge on the open attempt, which stays unsettled until its answer is known.
    /// </summary>
    public bool BooksSentSubmits { get; init; }
}

/// <summary>How a column changes with a transition. <see cref="Unchanged"/> leaves it alone.</summary>
internal enum Change { Unchanged, Now, NowIfUnset, Clear, Increment, Reset }

/// <summary>
/// The columns of <c>items</c> a transition changes besides its state and reason; the defaults change nothing. Each
/// field has one fixed assignment in <see cref="TransitionSql"/>, with a typed parameter where it carries a value.
/// </summary>
internal sealed record ItemChanges
{
    public static readonly ItemChanges None = new();

    /// <summary>Due at this time.</summary>
    public DateTimeOffset? NextRunAt { get; init; }

    /// <summary>Due now (by the database's clock).</summary>
    public bool DueNow { get; init; }

    /// <summary>The provider's job: its id, status URL and result URL.</summary>
    public ProviderJob? Job { get; init; }

    /// <summary>Only the provider's reference of a job (an answer that carried its outputs at once).</summary>
    public string? JobReference { get; init; }

    /// <summary>Now, or NowIfUnset.</summary>
    public Change SubmittedAt { get; init; }

    /// <summary>Now, or Clear.</summary>
    public Change FinishedAt { get; init; }

    /// <summary>Increment, or Reset.</summary>
    public Change PollCount { get; init; }

    /// <summary>Forget when the job was last seen unfinished (a new job).</summary>
    public bool ClearsLastPoll { get; init; }

    /// <summary>When the provider said the job was still running (kept: adaptive polling learns latencies from it).</summary>
    public DateTimeOffset? SeenUnfinishedAt { get; init; }

    /// <summary>Increment, or Reset.</summary>
    public Change CopyAttempts { get; init; }

    /// <summary>When the current streak of refusals began: NowIfUnset, or Clear.</summary>
    public Change RetryingSince { get; init; }

    /// <summary>The earliest expiry of the outputs (set when not null; <see cref="ClearsOutputsExpiry"/> sets null).</summary>
    public DateTimeOffset? OutputsExpireAt { get; init; }

    /// <summary>The outputs carry no expiry (set <c>outputs_expire_at</c> to null).</summary>
    public bool ClearsOutputsExpiry { get; init; }

    /// <summary>A new prompt for each item, aligned with the transition's ids (a rejected sample's new prompt, filled per row).</summary>
    public string[]? Prompts { get; init; }

    /// <summary>A new run: the run number goes up and everything about the last one is forgotten; due now.</summary>
    public bool NewRun { get; init; }

    /// <summary>
    /// For each item (aligned with the transition's ids), an item that already succeeded with the same edit: its stored
    /// outputs become this item's (<c>reused_from</c> names it).
    /// </summary>
    public long[]? ReusesOutputsOf { get; init; }

    /// <summary>The provider batch the item's request went into (<c>batch_id</c>); it is not polled on its own.</summary>
    public string? JoinsBatch { get; init; }

    /// <summary>The item leaves its batch and waits for batches no more: the next submit is synchronous.</summary>
    public bool LeavesBatch { get; init; }

    /// <summary>Forget the provider's job (its request never ran): the next submit makes a new one.</summary>
    public bool ClearsJob { get; init; }

    /// <summary>The next choice of the item's route, and why it moved there (kept in <c>routed</c>).</summary>
    public (RouteChoice To, string Why)? Reroute { get; init; }

    /// <summary>The outputs' earliest expiry, set whether or not there is one.</summary>
    public static ItemChanges ExpiringAt(DateTimeOffset? expires) =>
        new() { OutputsExpireAt = expires, ClearsOutputsExpiry = expires is null };
}

/// <summary>What the row must still satisfy, checked under its lock, besides its state (and the lease token, if any).</summary>
internal sealed record TransitionGuard
{
    public static readonly TransitionGuard None = new();

    /// <summary>The item is still in this run.</summary>
    public int? Run { get; init; }

    /// <summary>The item is still on this provider (a route move that lost a race to another matches nothing).</summary>
    public string? Provider { get; init; }

    /// <summary>The item's request is still in this provider batch.</summary>
    public string? Batch { get; init; }

    /// <summary>The lease has lapsed, and the submit was (true) or was not (false) marked as sent.</summary>
    public bool? LapsedAfterSend { get; init; }

    /// <summary>A submit may have been billed and is not settled (true), or none is (false).</summary>
    public bool? UnsettledAttempt { get; init; }

    /// <summary>No answer arrived for an unsettled attempt: the job exists, so the item must not be submitted again.</summary>
    public bool NoLateAnswer { get; init; }

    /// <summary>
    /// A Failed item whose paid outputs are still there to copy: the copy failed on our side (configuration, storage, the
    /// outbound guard), not at the provider, and none of the run's outputs has expired.
    /// </summary>
    public bool Recopyable { get; init; }
}

/// <summary>How an unsettled submit attempt was settled (<c>provider_attempts.settlement</c>).</summary>
internal enum Settlement { Answered, Adopted, Released, Kept }

/// <summary>
/// The claim of Pending items for submission by <paramref name="Owner"/>: a fresh lease token each, the estimate reserved
/// for each item (aligned with the transition's ids) and a new <c>provider_attempts</c> row each.
/// </summary>
internal sealed record SubmitClaim(string Owner, TimeSpan Lease, decimal[] ReservedCredits, decimal?[] ReservedUsd);

/// <summary>Conditions on outcomes the transitions share.</summary>
internal static class Guards
{
    /// <summary>An outcome that settles its attempt when the worker writes it with the move.</summary>
    public static bool Settles(string outcome) => outcome is not ("ambiguous" or "lost");
}
