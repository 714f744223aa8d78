using BatchEditor.Budgets;
using BatchEditor.Items;
using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// Claims due items for this worker, each kind in one statement with <c>FOR UPDATE SKIP LOCKED</c>. Every claim gets a
/// fresh lease token, which all of the holder's later writes are guarded on. Pending items are claimed under a
/// transaction-scoped advisory lock so that the per-provider caps (jobs in flight, submissions per minute, an open
/// circuit breaker, an operator's pause) hold cluster-wide: ten workers respect a cap of 2 as one does. Free slots go to
/// the highest priority first and are shared fairly between manifests (see the <c>picked</c> step).
/// </summary>
public sealed class ItemClaimer(NpgsqlDataSource dataSource, ProviderRegistry providers, BudgetGuard budgets)
{
    private const long SubmitClaimLockKey = 0x42_45_43_6C_61_69_6D; // "BEClaim"

    /// <summary>Running items due a poll and Copying items due a copy; earliest output expiry first.</summary>
    public async Task<List<ClaimedItem>> ClaimFollowUpsAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        if (max <= 0) return [];
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = FollowUpCommand(conn, owner, max, lease);
        return await ReadAll(cmd, withAttempt: false, ct);
    }

    private static NpgsqlCommand FollowUpCommand(NpgsqlConnection conn, string owner, int max, TimeSpan lease)
    {
        var cmd = new NpgsqlCommand(
            $"""
            with due as (
                select id from items
                where state in ({StateSql.Running}, {StateSql.Copying}) and next_run_at <= now()
                  and (lease_expires_at is null or lease_expires_at < now())
                order by outputs_expire_at nulls last, next_run_at
                limit $1
                for update skip locked)
            update items i set lease_owner = $2, lease_token = gen_random_uuid(), lease_expires_at = now() + $3, updated_at = now()
            from due where i.id = due.id
            returning {ClaimedItem.Columns}
            """, conn);
        cmd.Parameters.AddWithValue(max);
        cmd.Parameters.AddWithValue(owner);
        cmd.Parameters.AddWithValue(lease);
        return cmd;
    }

    /// <summary>
    /// EXPLAIN (ANALYZE, BUFFERS) of the two claims as they would run now, rolled back: how the large-manifest test shows
    /// that a claim reads a few index pages however many items wait.
    /// </summary>
    internal async Task<(string FollowUps, string Submissions)> ExplainAsync(int max, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var followUps = FollowUpCommand(conn, "explain", max, TimeSpan.FromMinutes(1));
        await using var pick = await PickCommandAsync(conn, tx, providers.Configured.ToList(), max, ct);
        var plans = (await ExplainAsync(followUps, tx, ct), await ExplainAsync(pick, tx, ct));
        await tx.RollbackAsync(ct);
        return plans;
    }

    private static async Task<string> ExplainAsync(NpgsqlCommand cmd, NpgsqlTransaction tx, CancellationToken ct)
    {
        cmd.Transaction = tx;
        cmd.CommandText = "explain (analyze, buffers, format json) " + cmd.CommandText;
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>An item as a claim would return it, without claiming it (to replay a spilled answer against it).</summary>
    public async Task<ClaimedItem?> FindAsync(long id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select {ClaimedItem.Columns} from items i where i.id = $1");
        cmd.Parameters.AddWithValue(id);
        return (await ReadAll(cmd, withAttempt: false, ct)).FirstOrDefault();
    }

    /// <summary>When the next poll or copy falls due (null: none is waiting), so that an idle worker wakes right then.</summary>
    /// <remarks>How long until then, by the database's clock (this machine's may be off).</remarks>
    public async Task<TimeSpan?> NextFollowUpAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"select min(next_run_at) - clock_timestamp() from items where state in ({StateSql.Running}, {StateSql.Copying}) and (lease_expires_at is null or lease_expires_at < now())");
        return await cmd.ExecuteScalarAsync(ct) is TimeSpan until ? until : null;
    }

    /// <summary>
    /// Pending items to submit, within every provider's free slots and every budget (<see cref="BudgetGuard"/>); records
    /// each item's reserved estimate, its attempt and its history row.
    /// </summary>
    public async Task<List<ClaimedItem>> ClaimSubmissionsAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        var configured = providers.Configured.ToList();
        if (configured.Count == 0 || max <= 0) return [];

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"select pg_advisory_xact_lock({SubmitClaimLockKey})", conn, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);
        var candidates = await PickAsync(conn, tx, configured, max, ct);
        var decision = await budgets.DecideAsync(conn, tx, candidates, ct);
        var items = decision.Send.Count == 0 ? [] : await ClaimAsync(conn, tx, decision.Send, owner, lease, ct);
        await tx.CommitAsync(ct);
        await budgets.EnforceAsync(decision, owner, ct);
        return items;
    }

    /// <summary>The next items to submit, in the order they should go (nothing is changed yet).</summary>
    private async Task<List<SubmitCandidate>> PickAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<(string Name, ProviderSettings Settings)> configured, int max,
        CancellationToken ct)
    {
        await using var cmd = await PickCommandAsync(conn, tx, configured, max, ct);
        var picked = new List<SubmitCandidate>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            picked.Add(new SubmitCandidate(r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3),
                new EditRequest(r.GetString(4), r.GetString(5), r.GetString(6), r.GetFieldValue<string[]>(7), Text(r, 8), Text(r, 9), Text(r, 10),
                    r.GetInt32(11), Text(r, 12)),
                r.IsDBNull(13) ? null : r.GetDecimal(13), r.IsDBNull(14) ? null : r.GetDecimal(14)));
        return picked;
    }

    private static async Task<NpgsqlCommand> PickCommandAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<(string Name, ProviderSettings Settings)> configured, int max,
        CancellationToken ct)
    {
        var breakers = await ProviderBreaker.LimitsAsync(conn, tx, configured, ct);
        var cmd = new NpgsqlCommand(
            $"""
            with cap as (
                select * from unnest($1::text[], $2::int[], $3::int[], $5::int[]) as c(provider, max_in_flight, per_minute, breaker)),
            free as (
                select cap.provider, greatest(0, least(
                    cap.max_in_flight - (select count(*) from items x where x.provider = cap.provider and x.state in ({StateSql.Submitting}, {StateSql.Running})),
                    cap.per_minute - (select count(*) from provider_attempts a where a.provider = cap.provider and a.claimed_at > now() - interval '1 minute'),
                    cap.breaker,
                    -- An operator's pause: nothing new is sent until it is resumed.
                    case when exists (select 1 from provider_pauses pp where pp.provider = cap.provider and (pp.resume_at is null or pp.resume_at > now()))
                         then 0 else cap.max_in_flight end
                ))::int as slots
                from cap),
            -- Manifests with Pending items, from the running totals: a few rows however large the items table.
            active as (
                select m.id, m.priority from manifests m
                join (select manifest_id from (select manifest_id, items from item_state_totals where state = {StateSql.Pending}
                                               union all
                                               select manifest_id, items from item_state_deltas where state = {StateSql.Pending}) t
                      group by manifest_id having sum(items) > 0) p on p.manifest_id = m.id
                -- A manifest waiting for its start time or outside its submit window sends nothing now.
                where (m.not_before is null or m.not_before <= now())
                  and submit_window_open(m.window_start, m.window_end, m.window_time_zone)),
            -- Per provider: higher priority first; within a priority, round-robin weighted by what each manifest already
            -- has in flight there (the k-th next item of a manifest with n jobs in flight ranks n + k), so every
            -- manifest with due items gets its share of the slots and none waits behind a larger one.
            picked as (
                select p.id, row_number() over (order by p.priority desc, p.share, p.id) as rank from free cross join lateral (
                    select c.id, a.priority, busy.n + c.turn as share from active a
                    cross join lateral (select count(*) as n from items f
                                        where f.manifest_id = a.id and f.provider = free.provider and f.state in ({StateSql.Submitting}, {StateSql.Running})) busy
                    cross join lateral (
                        select x.id, row_number() over (order by x.next_run_at, x.id) as turn from (
                            select id, next_run_at from items
                            where state = {StateSql.Pending} and provider = free.provider and manifest_id = a.id and next_run_at <= now()
                            order by next_run_at, id
                            limit free.slots) x) c
                    order by a.priority desc, busy.n + c.turn, a.id
                    limit free.slots) p
                where free.slots > 0
                order by p.priority desc, p.share, p.id
                limit $4)
            select i.id, i.manifest_id, m.name, i.provider, i.row_id, i.model, i.prompt, i.image_urls, i.mask_url, i.size, i.quality, i.n,
                   i.output_format, m.budget_credits, m.budget_usd
            from picked join items i on i.id = picked.id join manifests m on m.id = i.manifest_id
            order by picked.rank
            """, conn, tx);
        cmd.Parameters.AddWithValue(configured.Select(p => p.Name).ToArray());
        cmd.Parameters.AddWithValue(configured.Select(p => p.Settings.MaxConcurrency).ToArray());
        cmd.Parameters.AddWithValue(configured.Select(p => p.Settings.RequestsPerMinute).ToArray());
        cmd.Parameters.AddWithValue(max);
        // An open breaker allows nothing; one whose cool-down is over, a single probe.
        cmd.Parameters.AddWithValue(configured.Select(p => breakers.GetValueOrDefault(p.Name, int.MaxValue)).ToArray());
        return cmd;
    }

    /// <summary>Moves the items to Submitting with their reserved estimates, a history row and an attempt each.</summary>
    private static async Task<List<ClaimedItem>> ClaimAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<(SubmitCandidate Item, CostReport Estimate)> send, string owner, TimeSpan lease, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            with picked as (select * from unnest($1::bigint[], $2::numeric[], $3::numeric[]) as p(id, credits, usd)),
            -- Claims are serialised by the advisory lock; the state guard skips an item an operator moved meanwhile.
            claimed as (
                update items i set state = {StateSql.Submitting}, reason = 'submitting (attempt ' || (i.submit_attempts + 1) || ')',
                    lease_owner = $4, lease_token = gen_random_uuid(), lease_expires_at = now() + $5, submit_sent_at = null,
                    submit_attempts = i.submit_attempts + 1, updated_at = now(),
                    reserved_credits = picked.credits, reserved_usd = picked.usd
                from picked where i.id = picked.id and i.state = {StateSql.Pending}
                returning {ClaimedItem.Columns}),
            history as (
                insert into item_history (item_id, from_state, to_state, reason, actor)
                select c.id, {StateSql.Pending}, {StateSql.Submitting}, 'claimed for submit', $4 from claimed c),
            attempt as (
                insert into provider_attempts (item_id, provider, worker, run)
                select c.id, c.provider, $4, c.run from claimed c
                returning id, item_id)
            select c.*, a.id from claimed c join attempt a on a.item_id = c.id
            """, conn, tx);
        cmd.Parameters.AddWithValue(send.Select(s => s.Item.Id).ToArray());
        cmd.Parameters.AddWithValue(send.Select(s => s.Estimate.Credits).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter { Value = send.Select(s => s.Estimate.CostUsd).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Numeric });
        cmd.Parameters.AddWithValue(owner);
        cmd.Parameters.AddWithValue(lease);
        return await ReadAll(cmd, withAttempt: true, ct);
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static async Task<List<ClaimedItem>> ReadAll(NpgsqlCommand cmd, bool withAttempt, CancellationToken ct)
    {
        var items = new List<ClaimedItem>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            items.Add(ClaimedItem.Read(reader, withAttempt ? reader.GetInt64(reader.FieldCount - 1) : null));
        return items;
    }
}
