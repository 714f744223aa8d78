using Npgsql;

namespace BatchEditor.Usage;

/// <summary>What the ledger holds for one item's run: the basis of adjustments, refunds and releases.</summary>
public sealed class LedgerQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The sum of the run's rows (its best-known cost so far).</summary>
    public async Task<(decimal Credits, decimal? Usd)> ChargedAsync(long itemId, int run, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select coalesce(sum(credits), 0), sum(cost_usd) from usage_ledger where item_id = $1 and run = $2");
        cmd.Parameters.AddWithValue(itemId);
        cmd.Parameters.AddWithValue(run);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetDecimal(0), r.IsDBNull(1) ? null : r.GetDecimal(1));
    }

    /// <summary>Per submit attempt of the run, what is still booked against it (possible charges not yet released).</summary>
    public async Task<List<(long AttemptId, decimal Credits, decimal? Usd)>> OpenByAttemptAsync(long itemId, int run, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            select attempt_id, sum(credits), sum(cost_usd) from usage_ledger
            where item_id = $1 and run = $2 and attempt_id is not null
            group by attempt_id having sum(credits) <> 0 or coalesce(sum(cost_usd), 0) <> 0
            order by attempt_id
            """);
        cmd.Parameters.AddWithValue(itemId);
        cmd.Parameters.AddWithValue(run);
        var open = new List<(long, decimal, decimal?)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) open.Add((r.GetInt64(0), r.GetDecimal(1), r.IsDBNull(2) ? null : r.GetDecimal(2)));
        return open;
    }
}
