using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>The description of one guarded state change of one or more items; built only by <see cref="ItemTransitions"/>.</summary>
internal sealed record Transition(long[] ItemIds, ItemState[] From, ItemState To, string Reason, string Actor)
{
    /// <summary>Extra <c>SET</c> assignments owned by this transition.</summary>
    public string? Set { get; init; }
    public List<(string Name, object? Value)> Parameters { get; } = [];

    // The rest concern one item only (a single id).
    public List<LedgerEntry?> Ledger { get; } = [];
    public (int Run, IReadOnlyList<OutputRef> List)? Outputs { get; init; }
    public (long? AttemptId, string Outcome, int? HttpStatus, string? JobId, string? Detail)? Attempt { get; init; }
    public Func<NpgsqlConnection, NpgsqlTransaction, Task>? Extra { get; init; }

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

    /// <summary>A further condition the row must meet (e.g. "the lease has lapsed"), checked under the row lock.</summary>
    public string? Guard { get; init; }

    /// <summary>
    /// Lock the items first, in a statement of their own, then move them: the guard then sees everything committed before
    /// the lock was granted, attempts included (a late answer takes the item's lock before it writes its attempt).
    /// Operator actions whose guard reads the attempts need it.
    /// </summary>
    public bool LockFirst { get; init; }

    /// <summary>Settles every unsettled submit attempt of the moved items, this way (adopted, released, kept).</summary>
    public string? Settles { get; init; }

    /// <summary>Books a release row for what is still booked against each unsettled attempt (no job existed).</summary>
    public bool ReleasesUnsettled { get; init; }

    /// <summary>
    /// For items moved out of Submitting after their send mark (a cancel while the request is out): books the estimate
    /// reserved at the claim as a possible charge on the open attempt, which stays unsettled until its answer is known.
    /// </summary>
    public bool BooksSentSubmits { get; init; }
}

/// <summary>Conditions transitions share, on the <c>items</c> row being moved.</summary>
internal static class Guards
{
    /// <summary>No submit of the item may have been billed without being settled: nothing may pay for it again yet.</summary>
    public const string NoUnsettledAttempt =
        "not exists (select 1 from provider_attempts a where a.item_id = items.id and a.sent_at is not null and a.settled_at is null)";

    /// <summary>No answer arrived for an unsettled attempt: the job exists, so the item must not be submitted again.</summary>
    public const string NoLateAnswer =
        "not exists (select 1 from provider_attempts a where a.item_id = items.id and a.sent_at is not null and a.settled_at is null and a.late_result is not null)";

    /// <summary>An outcome that settles its attempt when the worker writes it with the move.</summary>
    public static bool Settles(string outcome) => outcome is not ("ambiguous" or "lost");
}

internal static class TransitionSql
{
    /// <summary>The items that moved: id, the state each was in, its manifest and provider.</summary>
    public sealed record Moved(long Id, string FromState, Guid ManifestId, string Provider, int FromRun);

    /// <summary>
    /// Moves the items and writes what goes with the move, in one statement (one round trip): the history rows (unless the
    /// transition says not to) and, for a single item, its ledger rows, its outputs and its attempt's outcome. Nothing
    /// but the move's own rows is written when the guard matches nothing.
    /// </summary>
    public static async Task<List<Moved>> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Transition t, CancellationToken ct)
    {
        var lease = t.KeepLease ? "" : ", lease_owner = null, lease_token = null, lease_expires_at = null";
        var set = t.Set is null ? "" : ", " + t.Set;
        var guard = (t.LeaseToken is null ? "" : " and lease_token = @token") + (t.Guard is null ? "" : $" and ({t.Guard})");
        // The guards are evaluated under the row lock (FOR UPDATE re-reads a row changed meanwhile), so a
        // compare-and-set that loses a race matches nothing instead of overwriting the winner.
        var history = t.WriteHistory
            ? """
              , history as (
                  insert into item_history (item_id, from_state, to_state, reason, actor)
                  select id, old_state, @to, @reason, @actor from moved)
              """
            : "";
        var ledger = t.Ledger.OfType<LedgerEntry>().ToList();
        var effects = history + (ledger.Count > 0 ? LedgerSql : "") + (t.Outputs is not null ? OutputsSql : "") + (t.Attempt is { AttemptId: not null } ? AttemptSql : "")
            + (t.BooksSentSubmits ? BookSentSql : "") + (t.ReleasesUnsettled ? ReleaseSql : "") + (t.Settles is not null ? SettleSql : "");
        if (t.LockFirst)
        {
            await using var lockRows = new NpgsqlCommand("select id from items where id = any(@ids) order by id for update", conn, tx);
            lockRows.Parameters.AddWithValue("ids", t.ItemIds);
            await lockRows.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand(
            $"""
            with moved as (
                update items set state = @to, reason = @reason, updated_at = now(){lease}{set}
                from (select id, state as old_state, run as old_run, submit_sent_at as old_sent from items
                      where id = any(@ids) and state = any(@from){guard}
                      for update) o
                where items.id = o.id
                returning items.id, o.old_state, o.old_run, o.old_sent, items.manifest_id, items.provider, items.reserved_credits, items.reserved_usd){effects}
            select id, old_state, manifest_id, provider, old_run from moved
            """, conn, tx);
        cmd.Parameters.AddWithValue("to", t.To.ToString());
        cmd.Parameters.AddWithValue("reason", t.Reason);
        if (t.WriteHistory) cmd.Parameters.AddWithValue("actor", t.Actor);
        if (ledger.Count > 0) AddLedger(cmd, ledger, t.Attempt?.AttemptId);
        if (t.Outputs is { } outputs) AddOutputs(cmd, outputs.Run, outputs.List);
        if (t.Attempt is { AttemptId: not null } attempt) AddAttempt(cmd, attempt);
        if (t.Settles is { } how) cmd.Parameters.AddWithValue("s_how", how);
        if (t.ReleasesUnsettled || t.BooksSentSubmits) cmd.Parameters.AddWithValue("note_actor", t.Actor);
        cmd.Parameters.AddWithValue("ids", t.ItemIds);
        cmd.Parameters.AddWithValue("from", ItemStates.Names(t.From));
        if (t.LeaseToken is { } token) cmd.Parameters.AddWithValue("token", token);
        foreach (var (name, value) in t.Parameters) cmd.Parameters.Add(ItemTransitions.Param(name, value));
        var moved = new List<Moved>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) moved.Add(new(reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt32(4)));
        return moved;
    }

    // The ledger rows of a single-item move, each booked against the run the item was in.
    private const string LedgerSql =
        """
        , ledger as (
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, balance_after, note, attempt_id, run)
            select m.id, m.manifest_id, m.provider, e.kind, e.credits, e.usd, e.estimated, e.balance, e.note, e.attempt, m.old_run
            from moved m cross join unnest(@l_kind::text[], @l_credits::numeric[], @l_usd::numeric[], @l_estimated::boolean[],
                                           @l_balance::numeric[], @l_note::text[], @l_attempt::bigint[])
                                    as e(kind, credits, usd, estimated, balance, note, attempt))
        """;

    // At-least-once: a retried completion may insert the same outputs again; the first ones are kept.
    private const string OutputsSql =
        """
        , outs as (
            insert into outputs (item_id, run, ordinal, source_url, expires_at, inline_b64)
            select m.id, @o_run, o.ordinal, o.url, o.expires, o.b64
            from moved m cross join unnest(@o_ordinal::int[], @o_url::text[], @o_expires::timestamptz[], @o_b64::text[]) as o(ordinal, url, expires, b64)
            on conflict (item_id, run, ordinal) do nothing)
        """;

    // The worker's answer, written with the move; it settles the attempt unless the outcome is unknown (Guards.Settles).
    private const string AttemptSql =
        """
        , attempt as (
            update provider_attempts set finished_at = now(), outcome = @a_outcome, http_status = @a_status, provider_job_id = @a_job, detail = @a_detail,
                settled_at = case when @a_settles then now() end, settlement = case when @a_settles then 'answered' end
            where id = @a_id and exists (select 1 from moved))
        """;

    // A cancel while the request is out: the estimate reserved at the claim, as a possible charge on the open attempt.
    private const string BookSentSql =
        $"""
        , booked as (
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, note, attempt_id, run)
            select m.id, m.manifest_id, m.provider, 'charge', coalesce(m.reserved_credits, 0), m.reserved_usd, true,
                   'possible charge: ' || @note_actor || ' cancelled the item while its submit was in flight', a.id, m.old_run
            from moved m cross join lateral (
                select id from provider_attempts where item_id = m.id and run = m.old_run and sent_at is not null and settled_at is null
                order by id desc limit 1) a
            where m.old_state = {StateSql.Submitting} and m.old_sent is not null)
        """;

    // No job existed: what is still booked against each unsettled attempt is withdrawn.
    private const string ReleaseSql =
        """
        , released as (
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, note, attempt_id, run)
            select m.id, m.manifest_id, m.provider, 'release', -sum(l.credits), -sum(l.cost_usd), false,
                   'possible charge released by ' || @note_actor || ': no job was found at the provider', l.attempt_id, min(l.run)
            from moved m
            join provider_attempts a on a.item_id = m.id and a.sent_at is not null and a.settled_at is null
            join usage_ledger l on l.attempt_id = a.id
            group by m.id, m.manifest_id, m.provider, l.attempt_id
            having sum(l.credits) <> 0 or coalesce(sum(l.cost_usd), 0) <> 0)
        """;

    private const string SettleSql =
        """
        , settled as (
            update provider_attempts a set settled_at = now(), settlement = @s_how
            from moved m where a.item_id = m.id and a.sent_at is not null and a.settled_at is null)
        """;

    private static void AddLedger(NpgsqlCommand cmd, List<LedgerEntry> entries, long? attemptId)
    {
        cmd.Parameters.AddWithValue("l_kind", entries.Select(e => e.Kind).ToArray());
        cmd.Parameters.AddWithValue("l_credits", entries.Select(e => e.Credits).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter<decimal?[]>("l_usd", entries.Select(e => e.CostUsd).ToArray()));
        cmd.Parameters.AddWithValue("l_estimated", entries.Select(e => e.Estimated).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter<decimal?[]>("l_balance", entries.Select(e => e.BalanceAfter).ToArray()));
        cmd.Parameters.AddWithValue("l_note", entries.Select(e => e.Note).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter<long?[]>("l_attempt", entries.Select(e => e.AttemptId ?? attemptId).ToArray()));
    }

    private static void AddOutputs(NpgsqlCommand cmd, int run, IReadOnlyList<OutputRef> outputs)
    {
        cmd.Parameters.AddWithValue("o_run", run);
        cmd.Parameters.AddWithValue("o_ordinal", outputs.Select(o => o.Ordinal).ToArray());
        cmd.Parameters.AddWithValue("o_url", outputs.Select(o => o.Url).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>("o_expires", outputs.Select(o => o.ExpiresAt?.ToUniversalTime()).ToArray()));
        cmd.Parameters.Add(new NpgsqlParameter<string?[]>("o_b64", outputs.Select(o => o.InlineBase64).ToArray()));
    }

    private static void AddAttempt(NpgsqlCommand cmd, (long? AttemptId, string Outcome, int? HttpStatus, string? JobId, string? Detail) a)
    {
        cmd.Parameters.AddWithValue("a_id", a.AttemptId!.Value);
        cmd.Parameters.AddWithValue("a_outcome", a.Outcome);
        cmd.Parameters.Add(new NpgsqlParameter<int?>("a_status", a.HttpStatus));
        cmd.Parameters.Add(new NpgsqlParameter<string?>("a_job", a.JobId));
        cmd.Parameters.Add(new NpgsqlParameter<string?>("a_detail", a.Detail));
        cmd.Parameters.AddWithValue("a_settles", Guards.Settles(a.Outcome));
    }
}
