using Npgsql;

namespace BatchEditor.Items;

/// <summary>What the ledger (<c>usage_ledger</c>, written only with transitions) holds for an item's runs: the basis of adjustments, refunds and releases.</summary>
public sealed class LedgerQueries(NpgsqlDataSource dataSource)
{
    private const string RunCharged = "select coalesce(sum(credits), 0), sum(cost_usd) from usage_ledger where item_id = @item and run = @run";

    /// <summary>The sum of the run's rows (its best-known cost so far).</summary>
    public async Task<(decimal Credits, decimal? Usd)> ChargedAsync(long itemId, int run, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(RunCharged);
        cmd.Parameters.Add(new NpgsqlParameter<long>("item", itemId));
        cmd.Parameters.Add(new NpgsqlParameter<int>("run", run));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetDecimal(0), r.IsDBNull(1) ? null : r.GetDecimal(1));
    }

    private const string RunsCharged =
        """
        select coalesce(sum(credits), 0), sum(usd), count(*) filter (where credits <> 0 or coalesce(usd, 0) <> 0)::int from (
            select sum(l.credits) as credits, sum(l.cost_usd) as usd from usage_ledger l
            join unnest(@items, @runs) as r(id, run) on l.item_id = r.id and l.run = r.run
            group by l.item_id, l.run) per_run
        """;

    /// <summary>
    /// What the given runs of the given items cost, in all, and how many of them cost anything: what new runs of these
    /// items pay again.
    /// </summary>
    public async Task<(decimal Credits, decimal? Usd, int Charged)> ChargedForRunsAsync(IReadOnlyList<(long Id, int Run)> runs, CancellationToken ct)
    {
        if (runs.Count == 0) return (0, null, 0);
        await using var cmd = dataSource.CreateCommand(RunsCharged);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("items", runs.Select(r => r.Id).ToArray()));
        cmd.Parameters.Add(new NpgsqlParameter<int[]>("runs", runs.Select(r => r.Run).ToArray()));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetDecimal(0), r.IsDBNull(1) ? null : r.GetDecimal(1), r.GetInt32(2));
    }
}
