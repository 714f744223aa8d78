using BatchEditor.Providers;
using Npgsql;
using NpgsqlTypes;

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
}

internal static class TransitionSql
{
    /// <summary>The items that moved: id, the state and run each was in, its manifest and provider.</summary>
    public sealed record Moved(long Id, string FromState, int Run, Guid ManifestId, string Provider);

    /// <summary>Moves the items and, unless the transition says not to, writes their history rows: one statement.</summary>
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
        await using var cmd = new NpgsqlCommand(
            $"""
            with moved as (
                update items set state = @to, reason = @reason, updated_at = now(){lease}{set}
                from (select id, state as old_state, run as old_run from items
                      where id = any(@ids) and state = any(@from){guard}
                      for update) o
                where items.id = o.id
                returning items.id, o.old_state, o.old_run, items.manifest_id, items.provider){history}
            select * from moved
            """, conn, tx);
        cmd.Parameters.AddWithValue("to", t.To.ToString());
        cmd.Parameters.AddWithValue("reason", t.Reason);
        if (t.WriteHistory) cmd.Parameters.AddWithValue("actor", t.Actor);
        cmd.Parameters.AddWithValue("ids", t.ItemIds);
        cmd.Parameters.AddWithValue("from", ItemStates.Names(t.From));
        if (t.LeaseToken is { } token) cmd.Parameters.AddWithValue("token", token);
        foreach (var (name, value) in t.Parameters) cmd.Parameters.Add(ItemTransitions.Param(name, value));
        var moved = new List<Moved>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) moved.Add(new(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetGuid(3), reader.GetString(4)));
        return moved;
    }

    public static async Task InsertLedgerAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Moved item, long? attemptId, LedgerEntry e, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, balance_after, note, attempt_id, run)
            values (@item, @manifest, @provider, @kind, @credits, @usd, @estimated, @balance, @note, @attempt, @run)
            """, conn, tx);
        cmd.Parameters.AddWithValue("item", item.Id);
        cmd.Parameters.AddWithValue("manifest", item.ManifestId);
        cmd.Parameters.AddWithValue("provider", item.Provider);
        cmd.Parameters.AddWithValue("kind", e.Kind);
        cmd.Parameters.AddWithValue("credits", e.Credits);
        cmd.Parameters.Add(ItemTransitions.Param("usd", e.CostUsd));
        cmd.Parameters.AddWithValue("estimated", e.Estimated);
        cmd.Parameters.Add(ItemTransitions.Param("balance", e.BalanceAfter));
        cmd.Parameters.AddWithValue("note", e.Note);
        cmd.Parameters.Add(new NpgsqlParameter("attempt", NpgsqlDbType.Bigint) { Value = (object?)(e.AttemptId ?? attemptId) ?? DBNull.Value });
        cmd.Parameters.AddWithValue("run", item.Run); // the run the item was in when this happened
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task FinishAttemptAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        (long? AttemptId, string Outcome, int? HttpStatus, string? JobId, string? Detail) a, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "update provider_attempts set finished_at = now(), outcome = @o, http_status = @s, provider_job_id = @j, detail = @d where id = @id", conn, tx);
        cmd.Parameters.AddWithValue("id", a.AttemptId!.Value);
        cmd.Parameters.AddWithValue("o", a.Outcome);
        cmd.Parameters.Add(ItemTransitions.Param("s", a.HttpStatus));
        cmd.Parameters.Add(ItemTransitions.Param("j", a.JobId));
        cmd.Parameters.Add(ItemTransitions.Param("d", a.Detail));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
