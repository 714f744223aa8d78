using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>The description of one guarded state change; built only by <see cref="ItemTransitions"/>.</summary>
internal sealed record Transition(long ItemId, string[] From, ItemState To, string Reason, string Actor)
{
    /// <summary>Extra <c>SET</c> assignments owned by this transition.</summary>
    public string? Set { get; init; }
    public List<(string Name, object? Value)> Parameters { get; } = [];
    public List<LedgerEntry?> Ledger { get; } = [];
    public IReadOnlyList<OutputRef>? Outputs { get; init; }
    public (long? AttemptId, string Outcome, int? HttpStatus, string? JobId, string? Detail)? Attempt { get; init; }
    public Func<NpgsqlConnection, NpgsqlTransaction, Task>? Extra { get; init; }
    public bool WriteHistory { get; init; } = true;

    /// <summary>Whether the worker keeps its lease (false: the item is handed back to the queue).</summary>
    public bool KeepLease { get; init; }

    /// <summary>Leased steps must still own the item; rescuers and operators do not hold a lease.</summary>
    public bool RequireLease { get; init; } = true;

    /// <summary>A further condition the row must meet (e.g. "the lease has lapsed").</summary>
    public string? Guard { get; init; }
}

internal static class TransitionSql
{
    public static async Task<(Guid ManifestId, string Provider)?> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Transition t, CancellationToken ct)
    {
        var lease = t.KeepLease ? "" : ", lease_owner = null, lease_expires_at = null";
        var set = t.Set is null ? "" : ", " + t.Set;
        var guard = (t.RequireLease ? " and lease_owner = @actor" : "") + (t.Guard is null ? "" : $" and ({t.Guard})");
        await using var cmd = new NpgsqlCommand(
            $"""
            update items set state = @to, reason = @reason, updated_at = now(){lease}{set}
            where id = @id and state = any(@from){guard}
            returning manifest_id, provider
            """, conn, tx);
        cmd.Parameters.AddWithValue("to", t.To.ToString());
        cmd.Parameters.AddWithValue("reason", t.Reason);
        cmd.Parameters.AddWithValue("id", t.ItemId);
        cmd.Parameters.AddWithValue("from", t.From);
        cmd.Parameters.AddWithValue("actor", t.Actor);
        foreach (var (name, value) in t.Parameters) cmd.Parameters.Add(ItemTransitions.Param(name, value));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetGuid(0), reader.GetString(1)) : null;
    }

    public static async Task InsertHistoryAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Transition t, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "insert into item_history (item_id, from_state, to_state, reason, actor) values (@id, @from, @to, @reason, @actor)", conn, tx);
        cmd.Parameters.AddWithValue("id", t.ItemId);
        cmd.Parameters.AddWithValue("from", t.From.Length == 1 ? t.From[0] : string.Join("|", t.From));
        cmd.Parameters.AddWithValue("to", t.To.ToString());
        cmd.Parameters.AddWithValue("reason", t.Reason);
        cmd.Parameters.AddWithValue("actor", t.Actor);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task InsertLedgerAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long itemId, Guid manifestId, string provider, LedgerEntry e, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            insert into usage_ledger (item_id, manifest_id, provider, kind, credits, cost_usd, estimated, balance_after, note)
            values (@item, @manifest, @provider, @kind, @credits, @usd, @estimated, @balance, @note)
            """, conn, tx);
        cmd.Parameters.AddWithValue("item", itemId);
        cmd.Parameters.AddWithValue("manifest", manifestId);
        cmd.Parameters.AddWithValue("provider", provider);
        cmd.Parameters.AddWithValue("kind", e.Kind);
        cmd.Parameters.AddWithValue("credits", e.Credits);
        cmd.Parameters.Add(ItemTransitions.Param("usd", e.CostUsd));
        cmd.Parameters.AddWithValue("estimated", e.Estimated);
        cmd.Parameters.Add(ItemTransitions.Param("balance", e.BalanceAfter));
        cmd.Parameters.AddWithValue("note", e.Note);
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
