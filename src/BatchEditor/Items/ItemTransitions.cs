using BatchEditor.Providers;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Items;

/// <summary>
/// Every state change of an item, one named method each (docs/state-machine.md). Each is a compare-and-set on
/// the current state (and, for leased steps, on the lease owner): when it matches nothing, the caller lost the
/// item to a rescuer or an operator and its result is discarded. The history row, ledger rows and attempt
/// record are written in the same transaction as the state change.
/// </summary>
public sealed class ItemTransitions(NpgsqlDataSource dataSource)
{
    private static readonly string[] FromSubmitting = ["Submitting"];
    private static readonly string[] FromRunning = ["Running"];
    private static readonly string[] FromCopying = ["Copying"];

    public Task<bool> SubmitAccepted(ClaimedItem item, string owner, SubmitOutcome.Accepted accepted, DateTimeOffset firstPoll, CostReport cost, CancellationToken ct) =>
        Apply(new(item.Id, FromSubmitting, ItemState.Running, $"accepted by {item.Provider} as job {accepted.Job.JobId}", owner)
        {
            Set = "provider_job_id = @job_id, status_url = @status_url, result_url = @result_url, submitted_at = now(), next_run_at = @next, poll_count = 0, outputs_expire_at = @expires",
            Parameters = { ("job_id", accepted.Job.JobId), ("status_url", accepted.Job.StatusUrl), ("result_url", accepted.Job.ResultUrl), ("next", firstPoll), ("expires", accepted.OutputsExpireAt) },
            Ledger = { LedgerEntry.Charge(cost) },
            Attempt = (item.AttemptId, "accepted", accepted.HttpStatus, accepted.Job.JobId, null),
        }, ct);

    public Task<bool> SubmitCompleted(ClaimedItem item, string owner, SubmitOutcome.Completed completed, CostReport cost, CancellationToken ct) =>
        Apply(new(item.Id, FromSubmitting, ItemState.Copying, $"{item.Provider} answered with {completed.Outputs.Count} output(s) at once", owner)
        {
            Set = "provider_job_id = @job_id, submitted_at = now(), next_run_at = now(), outputs_expire_at = @expires",
            Parameters = { ("job_id", completed.JobId), ("expires", EarliestExpiry(completed.Outputs)) },
            Ledger = { LedgerEntry.Charge(cost) },
            Outputs = completed.Outputs,
            Attempt = (item.AttemptId, "completed", completed.HttpStatus, completed.JobId, null),
        }, ct);

    /// <summary>The provider proved nothing was created (or the call never left): submit again later.</summary>
    public Task<bool> SubmitRetryLater(ClaimedItem item, string owner, string reason, DateTimeOffset at, int? httpStatus, CancellationToken ct) =>
        Apply(new(item.Id, FromSubmitting, ItemState.Pending, reason, owner)
        {
            Set = "next_run_at = @next",
            Parameters = { ("next", at) },
            Attempt = (item.AttemptId, "retryable", httpStatus, null, reason),
        }, ct);

    public Task<bool> SubmitRejected(ClaimedItem item, string owner, string reason, int? httpStatus, CancellationToken ct) =>
        Apply(new(item.Id, FromSubmitting, ItemState.Failed, reason, owner)
        {
            Set = "finished_at = now()",
            Attempt = (item.AttemptId, "rejected", httpStatus, null, reason),
        }, ct);

    /// <summary>The submit may have reached the provider: park it for a person, never resubmit blindly.</summary>
    public Task<bool> SubmitUncertain(ClaimedItem item, string owner, string reason, int? httpStatus, CancellationToken ct) =>
        Apply(new(item.Id, FromSubmitting, ItemState.NeedsReview, reason, owner)
        {
            Attempt = (item.AttemptId, "ambiguous", httpStatus, null, reason),
        }, ct);

    /// <summary>Not a state change: the job is still running; poll again at <paramref name="at"/>.</summary>
    public Task<bool> PollLater(ClaimedItem item, string owner, string reason, DateTimeOffset at, CancellationToken ct) =>
        Apply(new(item.Id, FromRunning, ItemState.Running, reason, owner)
        {
            Set = "next_run_at = @next, poll_count = poll_count + 1",
            Parameters = { ("next", at) },
            WriteHistory = false,
        }, ct);

    public Task<bool> JobCompleted(ClaimedItem item, string owner, PollOutcome.Completed completed, LedgerEntry? adjustment, CancellationToken ct) =>
        Apply(new(item.Id, FromRunning, ItemState.Copying, $"{item.Provider} job {item.ProviderJobId} completed with {completed.Outputs.Count} output(s)", owner)
        {
            Set = "next_run_at = now(), poll_count = poll_count + 1, outputs_expire_at = @expires",
            Parameters = { ("expires", EarliestExpiry(completed.Outputs)) },
            Ledger = { adjustment },
            Outputs = completed.Outputs,
        }, ct);

    public Task<bool> JobFailed(ClaimedItem item, string owner, string reason, LedgerEntry? refund, CancellationToken ct) =>
        Apply(new(item.Id, FromRunning, ItemState.Failed, reason, owner)
        {
            Set = "finished_at = now(), poll_count = poll_count + 1",
            Ledger = { refund },
        }, ct);

    public Task<bool> OutputStored(ClaimedItem item, string owner, int ordinal, Storage.StoredBlob blob, CancellationToken ct) =>
        Apply(new(item.Id, FromCopying, ItemState.Copying, $"output {ordinal} stored at {blob.Location}", owner)
        {
            KeepLease = true, // more outputs may follow under the same lease
            WriteHistory = false,
            Extra = (conn, tx) => Storage.OutputRows.MarkStored(conn, tx, item.Id, ordinal, blob, ct),
        }, ct);

    public Task<bool> CopyRetryLater(ClaimedItem item, string owner, string reason, DateTimeOffset at, CancellationToken ct) =>
        Apply(new(item.Id, FromCopying, ItemState.Copying, reason, owner)
        {
            Set = "next_run_at = @next, copy_attempts = copy_attempts + 1",
            Parameters = { ("next", at) },
            WriteHistory = false,
        }, ct);

    public Task<bool> CopySucceeded(ClaimedItem item, string owner, int outputs, CancellationToken ct) =>
        Apply(new(item.Id, FromCopying, ItemState.Succeeded, $"{outputs} output(s) stored and verified", owner)
        {
            Set = "finished_at = now()",
        }, ct);

    /// <summary>An output expired before it was copied: final, with its cost kept on the ledger.</summary>
    public Task<bool> OutputsExpired(ClaimedItem item, string owner, string reason, CancellationToken ct) =>
        Apply(new(item.Id, FromCopying, ItemState.Expired, reason, owner)
        {
            Set = "finished_at = now()",
            Extra = (conn, tx) => Storage.OutputRows.MarkExpired(conn, tx, item.Id, ct),
        }, ct);

    public Task<bool> CopyFailed(ClaimedItem item, string owner, string reason, CancellationToken ct) =>
        Apply(new(item.Id, FromCopying, ItemState.Failed, reason, owner) { Set = "finished_at = now()" }, ct);

    /// <summary>Gives a claimed item back untouched (shutdown before its step began, or a provider not configured here).</summary>
    public Task<bool> Release(ClaimedItem item, string owner, string reason, DateTimeOffset at, CancellationToken ct) =>
        item.State == ItemState.Submitting
            ? SubmitRetryLater(item, owner, reason, at, null, ct)
            : Apply(new(item.Id, [item.State.ToString()], item.State, reason, owner)
            {
                Set = "next_run_at = @next",
                Parameters = { ("next", at) },
                WriteHistory = false,
            }, ct);

    /// <summary>Rescuer: a submit lease lapsed before the request was sent, so nothing can exist at the provider.</summary>
    public Task<bool> RescueUnsent(long itemId, string actor, CancellationToken ct) =>
        Apply(new(itemId, FromSubmitting, ItemState.Pending, "worker lease lapsed before the submit was sent; safe to submit again", actor)
        {
            Set = "next_run_at = now()",
            RequireLease = false,
            Guard = "lease_expires_at < now()",
        }, ct);

    /// <summary>Rescuer: a submit lease lapsed after the request may have left; it may be billed.</summary>
    public Task<bool> RescueInFlight(long itemId, string actor, string lostWorker, CancellationToken ct) =>
        Apply(new(itemId, FromSubmitting, ItemState.NeedsReview,
            $"worker {lostWorker} was lost while its submit was in flight; the job may exist and may be billed, so it is not resubmitted automatically", actor)
        {
            RequireLease = false,
            Guard = "lease_expires_at < now()",
        }, ct);

    private async Task<bool> Apply(Transition t, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var moved = await TransitionSql.UpdateAsync(conn, tx, t, ct);
        if (moved is null) return false; // lost the lease or the state moved on: discard this result
        if (t.WriteHistory) await TransitionSql.InsertHistoryAsync(conn, tx, t, ct);
        foreach (var entry in t.Ledger.OfType<LedgerEntry>())
            await TransitionSql.InsertLedgerAsync(conn, tx, t.ItemId, moved.Value.ManifestId, moved.Value.Provider, entry, ct);
        if (t.Outputs is not null) await Storage.OutputRows.InsertAsync(conn, tx, t.ItemId, t.Outputs, ct);
        if (t.Attempt is { AttemptId: not null } a) await TransitionSql.FinishAttemptAsync(conn, tx, a, ct);
        if (t.Extra is not null) await t.Extra(conn, tx);
        await tx.CommitAsync(ct);
        return true;
    }

    private static DateTimeOffset? EarliestExpiry(IReadOnlyList<OutputRef> outputs) =>
        outputs.Select(o => o.ExpiresAt).Where(e => e is not null).Min();

    internal static NpgsqlParameter Param(string name, object? value) => value switch
    {
        DateTimeOffset d => new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = d.ToUniversalTime() },
        null => new NpgsqlParameter(name, NpgsqlDbType.Unknown) { Value = DBNull.Value },
        _ => new NpgsqlParameter(name, value),
    };
}
