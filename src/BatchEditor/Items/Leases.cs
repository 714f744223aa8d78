using System.Text.Json;
using BatchEditor.Persistence;
using BatchEditor.Providers;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Items;

/// <summary>
/// What a lease holder does besides changing state: the fenced "about to send" mark, renewing its leases while steps
/// run, and keeping a result that came back after the lease was lost.
/// </summary>
public sealed class Leases(NpgsqlDataSource dataSource)
{
    private const string MarkSent =
        $"""
        with item as (
            update items set submit_sent_at = now(), lease_expires_at = greatest(lease_expires_at, now() + @lease), updated_at = now()
            where id = @item and state = {StateSql.Submitting} and lease_token = @token and lease_expires_at > now()
            returning id),
        attempt as (
            update provider_attempts set sent_at = now() where id = @attempt and exists (select 1 from item))
        select count(*) from item
        """;

    /// <summary>
    /// The fence in front of every submit: succeeds only while the item is still Submitting under this claim's token and
    /// its lease has not lapsed, and then records that the request may leave (on the item, which the rescuer reads, and
    /// on the attempt). It also stretches the lease to a full <paramref name="lease"/> for the call. Send only if true.
    /// </summary>
    public async Task<bool> TryMarkSentAsync(ClaimedItem item, TimeSpan lease, CancellationToken ct) =>
        await DatabaseRetry.RunAsync(async token =>
        {
            await using var cmd = dataSource.CreateCommand(MarkSent);
            cmd.Parameters.Add(new NpgsqlParameter<long>("item", item.Id));
            cmd.Parameters.Add(new NpgsqlParameter<Guid>("token", item.LeaseToken ?? Guid.Empty));
            cmd.Parameters.Add(new NpgsqlParameter<long?>("attempt", item.AttemptId));
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", lease));
            return (long)(await cmd.ExecuteScalarAsync(token))! == 1;
        }, ct);

    private const string Renew =
        """
        update items set lease_expires_at = now() + @lease
        from unnest(@items, @tokens) as t(id, token)
        where items.id = t.id and items.lease_token = t.token
        returning items.id
        """;

    /// <summary>Extends every lease this process still holds, in one statement; returns the ids it still holds.</summary>
    public async Task<HashSet<long>> RenewAsync(IReadOnlyCollection<(long Id, Guid Token)> held, TimeSpan lease, CancellationToken ct)
    {
        if (held.Count == 0) return [];
        await using var cmd = dataSource.CreateCommand(Renew);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("items", held.Select(h => h.Id).ToArray()));
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]>("tokens", held.Select(h => h.Token).ToArray()));
        cmd.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", lease));
        var kept = new HashSet<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) kept.Add(r.GetInt64(0));
        return kept;
    }

    private const string LockAttemptItem =
        "select i.id, i.state, i.run from items i join provider_attempts a on a.item_id = i.id where a.id = @attempt for update of i";

    private const string BookLateResult =
        """
        with attempt as (
            update provider_attempts set finished_at = coalesce(finished_at, now()), outcome = 'late', provider_job_id = @reference,
                late_result = @late_result, detail = @detail, settled_at = null, settlement = null
            where id = @attempt
            returning id, item_id, run),
        booked as (select coalesce(sum(credits), 0) as credits, coalesce(sum(cost_usd), 0) as usd, count(*) > 0 and (sum(credits) <> 0 or coalesce(sum(cost_usd), 0) <> 0) as open
                   from usage_ledger where attempt_id = @attempt)
        insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, balance_after, note, attempt_id, run)
        select i.id, i.manifest_id, i.provider,
               case when booked.open then 'adjustment' else 'charge' end,
               @credits - booked.credits, @usd - booked.usd, @estimated, @balance, @note, attempt.id, attempt.run
        from attempt join items i on i.id = attempt.item_id cross join booked
        -- A reported cost replaces what is booked; an estimate is booked only when nothing is booked any more.
        where case when @estimated then not booked.open else (@credits - booked.credits <> 0 or coalesce(@usd, 0) - booked.usd <> 0) end
        returning credits
        """;

    private const string NoteLateResult = "update items set reason = @reason, updated_at = now() where id = @item and run = @run";

    /// <summary>
    /// A provider's answer that arrived after this worker lost the item (rescued, cancelled, resubmitted by an operator):
    /// the job (or the outputs of a synchronous provider) exists and is billed. It is kept on its attempt for adoption, the
    /// attempt is open again until an operator settles it (so nothing pays for the item again meanwhile), and the ledger
    /// is brought to what the answer says it costs (<paramref name="estimate"/> when it says nothing and nothing is
    /// booked for the attempt any more). An item waiting for a person says how to adopt it. Returns the reference to
    /// adopt it by: the provider's job id, or <c>attempt:{id}</c> when the provider gives none.
    /// </summary>
    public async Task<string> RecordLateResultAsync(long attemptId, LateResult result, CostReport estimate, string actor, CancellationToken ct) =>
        await DatabaseRetry.RunAsync(async token =>
        {
            var reference = result.JobId ?? $"attempt:{attemptId}";
            await using var conn = await dataSource.OpenConnectionAsync(token);
            await using var tx = await conn.BeginTransactionAsync(token);
            // The item's lock first, as every transition takes it: an operator's settle and this answer never interleave.
            await using var lockItem = new NpgsqlCommand(LockAttemptItem, conn, tx);
            lockItem.Parameters.Add(new NpgsqlParameter<long>("attempt", attemptId));
            long itemId; string state; int run;
            await using (var r = await lockItem.ExecuteReaderAsync(token))
            {
                if (!await r.ReadAsync(token)) return reference; // the item is gone (its manifest deleted)
                (itemId, state, run) = (r.GetInt64(0), r.GetString(1), r.GetInt32(2));
            }
            await using var cmd = new NpgsqlCommand(BookLateResult, conn, tx);
            var cost = result.Cost ?? estimate;
            cmd.Parameters.Add(new NpgsqlParameter<long>("attempt", attemptId));
            cmd.Parameters.Add(new NpgsqlParameter<string>("reference", reference));
            cmd.Parameters.Add(new NpgsqlParameter("late_result", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(result, LateResult.Json) });
            cmd.Parameters.Add(new NpgsqlParameter<string>("detail", $"answer arrived after the item left this worker: {result.Summary}"));
            cmd.Parameters.Add(new NpgsqlParameter<decimal>("credits", cost.Credits));
            cmd.Parameters.Add(new NpgsqlParameter<decimal?>("usd", cost.CostUsd));
            cmd.Parameters.Add(new NpgsqlParameter<bool>("estimated", cost.Estimated));
            cmd.Parameters.Add(new NpgsqlParameter<decimal?>("balance", cost.BalanceAfter));
            cmd.Parameters.Add(new NpgsqlParameter<string>("note", cost.Estimated ? $"possible charge: {result.Summary} after the item left its worker ({cost.Note})" : cost.Note));
            await cmd.ExecuteNonQueryAsync(token);
            // An item that waits for a person (review, or cancelled while the request was out) says what came back.
            if (state is nameof(ItemState.NeedsReview) or nameof(ItemState.Cancelled))
            {
                await using var note = new NpgsqlCommand(NoteLateResult, conn, tx);
                note.Parameters.Add(new NpgsqlParameter<long>("item", itemId));
                note.Parameters.Add(new NpgsqlParameter<int>("run", run));
                note.Parameters.Add(new NpgsqlParameter<string>("reason",
                    $"{(state == nameof(ItemState.Cancelled) ? "cancelled, but " : "")}the submit of worker {actor} was answered after it lost the item: " +
                    $"{result.Summary} ({reference}); it is billed. Adopt it with `batch-editor review resolve {itemId} --adopt {reference}` " +
                    $"instead of paying again{(state == nameof(ItemState.Cancelled) ? $", or keep it cancelled with `--keep`" : "")}"));
                await note.ExecuteNonQueryAsync(token);
            }
            await tx.CommitAsync(token);
            return reference;
        }, ct);

    private const string Withdrawn =
        "update provider_attempts set outcome = 'withdrawn', detail = @detail, finished_at = coalesce(finished_at, now()) where id = @attempt and (outcome is null or outcome = 'lost')";

    /// <summary>
    /// The request was withdrawn after its send mark but before any byte left, and the item is no longer this worker's:
    /// the attempt says so, so whoever reviews it knows that resubmitting pays nothing twice.
    /// </summary>
    public async Task RecordWithdrawnAsync(long attemptId, string reason, CancellationToken ct) =>
        await DatabaseRetry.RunAsync(async token =>
        {
            await using var cmd = dataSource.CreateCommand(Withdrawn);
            cmd.Parameters.Add(new NpgsqlParameter<long>("attempt", attemptId));
            cmd.Parameters.Add(new NpgsqlParameter<string>("detail", $"never sent: {reason}"));
            await cmd.ExecuteNonQueryAsync(token);
            return 0;
        }, ct);
}

/// <summary>A submit's answer kept for adoption: a job to poll, or outputs (with any inline base64) to copy.</summary>
public sealed record LateResult(string Summary, string? JobId, ProviderJob? Job, IReadOnlyList<OutputRef>? Outputs,
    CostReport? Cost, DateTimeOffset? OutputsExpireAt)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static LateResult? From(SubmitOutcome outcome) => outcome switch
    {
        SubmitOutcome.Accepted a => new($"job {a.Job.JobId} accepted", a.Job.JobId, a.Job, null, a.Cost, a.OutputsExpireAt),
        SubmitOutcome.Completed c => new($"{c.Outputs.Count} output(s) returned", c.JobId, null, c.Outputs, c.Cost, null),
        _ => null,
    };

    /// <summary>The submit outcome this answer was (for an answer replayed from the spill).</summary>
    public SubmitOutcome ToOutcome(int httpStatus) => Job is not null
        ? new SubmitOutcome.Accepted(Job, TimeSpan.Zero, OutputsExpireAt, Cost, httpStatus)
        : new SubmitOutcome.Completed(JobId, Outputs ?? [], Cost, httpStatus);
}
