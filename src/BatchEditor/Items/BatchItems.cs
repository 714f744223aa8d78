using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>An item whose request is in a provider batch: enough to settle its line.</summary>
public sealed record BatchedItem(long Id, int Run, long? AttemptId, EditRequest Request, string Provider);

/// <summary>
/// The queue's side of provider batches: picking the Pending items that wait for one, the send mark for all of a batch's
/// items at once, the items a batch holds, and their transitions — into the batch (Submitting → Running, not polled on
/// its own), and out of it when its line is read: Copying with the outputs, Failed, or back to Pending to be sent
/// synchronously when the batch ended without running it. Every move is guarded on the item's run and batch.
/// </summary>
public sealed class BatchItems(NpgsqlDataSource dataSource, TransitionApplier applier, LedgerQueries ledger)
{
    /// <summary>When a batched item's poll would fall due: never; the batch is polled instead.</summary>
    private static readonly DateTimeOffset NotPolled = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Items of started manifests (start time, window) waiting for a batch that can still make one, oldest first.
    private const string Waiting =
        $"""
        select i.id, i.manifest_id, m.name as manifest_name, i.provider, {EditRequests.Columns}, m.budget_credits, m.budget_usd
        from items i join manifests m on m.id = i.manifest_id
        where i.state = {StateSql.Pending} and i.batch_until > now() + @lead and i.provider = @provider and i.next_run_at <= now()
          and (m.not_before is null or m.not_before <= now()) and submit_window_open(m.window_start, m.window_end, m.window_time_zone)
        order by i.id
        limit @max
        """;

    /// <summary>Inside a submission claim: Pending items of <paramref name="provider"/> waiting for a batch, at least <paramref name="lead"/> before they stop waiting.</summary>
    public async Task<List<SubmitCandidate>> WaitingAsync(SubmitClaimScope scope, string provider, TimeSpan lead, int max, CancellationToken ct)
    {
        var (conn, tx) = scope.Inside;
        await using var cmd = new NpgsqlCommand(Waiting, conn, tx)
        {
            Parameters =
            {
                new NpgsqlParameter<string>("provider", provider), new NpgsqlParameter<TimeSpan>("lead", lead), new NpgsqlParameter<int>("max", max),
            },
        };
        return await SubmitClaimScope.ReadCandidatesAsync(cmd, ct);
    }

    private const string MarkSent =
        $"""
        with marked as (
            update items i set submit_sent_at = now(), lease_expires_at = greatest(i.lease_expires_at, now() + @lease), updated_at = now()
            from unnest(@ids, @tokens) as c(id, token)
            where i.id = c.id and i.state = {StateSql.Submitting} and i.lease_token = c.token and i.lease_expires_at > now()
            returning i.id),
        attempts as (
            update provider_attempts a set sent_at = now() from unnest(@ids, @attempts) as c(id, attempt)
            where a.id = c.attempt and c.id in (select id from marked))
        select id from marked
        """;

    /// <summary>The fence in front of a batch's creation, for all its items in one statement; returns those still held (send only those).</summary>
    public async Task<HashSet<long>> TryMarkSentAsync(IReadOnlyList<ClaimedItem> items, TimeSpan lease, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(MarkSent);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("ids", [.. items.Select(i => i.Id)]));
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]>("tokens", [.. items.Select(i => i.LeaseToken ?? Guid.Empty)]));
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("attempts", [.. items.Select(i => i.AttemptId ?? 0)]));
        cmd.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", lease));
        var marked = new HashSet<long>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) marked.Add(reader.GetInt64(0));
        return marked;
    }

    /// <summary>The item's request is in the batch: Running, never polled on its own, its estimate booked at the batch price.</summary>
    public Task<bool> Accepted(ClaimedItem item, string owner, string batchId, string customId, CostReport estimate, CancellationToken ct) =>
        applier.ApplyToOneAsync(new Transition([item.Id], [ItemState.Submitting], ItemState.Running, $"in {item.Provider} batch {batchId} as {customId}", owner)
        {
            LeaseToken = item.LeaseToken ?? throw new InvalidOperationException($"item {item.Id} is not leased"),
            Changes = new()
            {
                Job = new ProviderJob(customId, batchId, item.Request.Model), JoinsBatch = batchId, SubmittedAt = Change.Now, NextRunAt = NotPolled,
                PollCount = Change.Reset, ClearsLastPoll = true, RetryingSince = Change.Clear,
            },
            Ledger = { LedgerEntry.Charge(estimate) },
            Attempt = (item.AttemptId, "accepted", null, batchId, $"request {customId} of batch {batchId}"),
        }, ct);

    private const string EarliestFallback = "select min(batch_until) from items where id = any(@ids)";

    /// <summary>When the first of these items stops waiting for its batch (its deadline less the margin).</summary>
    public async Task<DateTimeOffset?> EarliestFallbackAsync(IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(EarliestFallback);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("ids", [.. ids]));
        return await cmd.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    private const string AttemptOf =
        """
        select a.id, i.model from provider_attempts a join items i on i.id = a.item_id
        where a.item_id = @item and a.run = @run and a.provider_job_id = @batch order by a.id desc limit 1
        """;

    /// <summary>
    /// The attempt that put an item's run into the batch, and the model asked: a line that arrives after the item left the
    /// batch (and was perhaps sent on its own, a later attempt of the same run) is booked on it.
    /// </summary>
    public async Task<(long Attempt, string Model)?> AttemptOfAsync(long itemId, int run, string batchId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(AttemptOf);
        cmd.Parameters.Add(new NpgsqlParameter<long>("item", itemId));
        cmd.Parameters.Add(new NpgsqlParameter<int>("run", run));
        cmd.Parameters.Add(new NpgsqlParameter<string>("batch", batchId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    private const string InBatch =
        $"""
        select i.id, i.run, i.provider, (select max(a.id) from provider_attempts a where a.item_id = i.id and a.run = i.run) as attempt_id, {EditRequests.Columns}
        from items i where i.batch_id = @batch and i.state = {StateSql.Running}
        """;

    /// <summary>The items whose requests are still in the batch.</summary>
    public async Task<List<BatchedItem>> InBatchAsync(string batchId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(InBatch);
        cmd.Parameters.Add(new NpgsqlParameter<string>("batch", batchId));
        var items = new List<BatchedItem>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var r = new RowReader(reader);
            items.Add(new(r.Get<long>("id"), r.Get<int>("run"), r.Nullable<long>("attempt_id"), EditRequests.Read(r), r.Get<string>("provider")));
        }
        return items;
    }

    /// <summary>Its line ran: the outputs (base64, kept inline until copied), the charge brought to what the line reports.</summary>
    public async Task<bool> LineCompleted(BatchedItem item, string batchId, IReadOnlyList<OutputRef> outputs, CostReport? reported, string actor, CancellationToken ct)
    {
        var (credits, usd) = await ledger.ChargedAsync(item.Id, item.Run, ct);
        return await applier.ApplyToOneAsync(new Transition([item.Id], [ItemState.Running], ItemState.Copying,
            $"{item.Provider} batch {batchId} returned {outputs.Count} output(s)", actor)
        {
            Guard = new() { Run = item.Run, Batch = batchId },
            Changes = ItemChanges.ExpiringAt(null) with { DueNow = true, LeavesBatch = true },
            Ledger = { reported is null ? null : LedgerEntry.Adjustment(credits, usd, reported) },
            Outputs = (item.Run, outputs),
            Attempt = (item.AttemptId, "completed", 200, batchId, null),
        }, ct);
    }

    /// <summary>Its line was refused (a safety block, an invalid request): final, and a refused request is not billed.</summary>
    public async Task<bool> LineFailed(BatchedItem item, string batchId, string reason, string actor, CancellationToken ct)
    {
        var (credits, usd) = await ledger.ChargedAsync(item.Id, item.Run, ct);
        return await applier.ApplyToOneAsync(new Transition([item.Id], [ItemState.Running], ItemState.Failed, reason, actor)
        {
            Guard = new() { Run = item.Run, Batch = batchId },
            Changes = new() { FinishedAt = Change.Now, LeavesBatch = true },
            Ledger = { credits == 0 && (usd ?? 0) == 0 ? null : LedgerEntry.Refund(credits, usd, $"refund: batch {batchId} did not bill the refused request") },
            Attempt = (item.AttemptId, "rejected", null, batchId, reason),
        }, ct);
    }

    /// <summary>
    /// The batch ended (expired, cancelled before its deadline, failed) without running its line: nothing was billed, so
    /// the estimate is released and the item goes back to Pending to be sent synchronously, due now.
    /// </summary>
    public async Task<bool> LineNotRun(BatchedItem item, string batchId, string reason, string actor, CancellationToken ct)
    {
        var (credits, usd) = await ledger.ChargedAsync(item.Id, item.Run, ct);
        return await applier.ApplyToOneAsync(new Transition([item.Id], [ItemState.Running], ItemState.Pending, $"{reason}; it is sent on its own now", actor)
        {
            Guard = new() { Run = item.Run, Batch = batchId },
            Changes = new() { DueNow = true, LeavesBatch = true, ClearsJob = true },
            Ledger = { credits == 0 && (usd ?? 0) == 0 ? null : LedgerEntry.Refund(credits, usd, $"refund: batch {batchId} ended without running it") },
            Attempt = (item.AttemptId, "not-run", null, batchId, reason),
            WakesWorkers = true,
        }, ct);
    }
}
