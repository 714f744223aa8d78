using System.Security.Cryptography;
using BatchEditor.Items;
using BatchEditor.Totals;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>What a finished batch must hold: outputs where the database says, and a ledger equal to the provider's own record.</summary>
public static class BatchAssert
{
    /// <summary>The ledger holds exactly what the provider says it charged for the prompt.</summary>
    public static async Task LedgerMatchesProviderAsync(TestBed bed, string prompt, decimal expected)
    {
        Assert.Equal(expected, bed.Sim.State.ChargesByPrompt.GetValueOrDefault(prompt));
        Assert.Equal(expected, await bed.ScalarAsync<decimal>("select coalesce(sum(l.credits), 0) from usage_ledger l join items i on i.id = l.item_id where i.prompt = $1", prompt));
    }

    /// <summary>Every stored output exists and has the MD5 the database records; returns how many were checked.</summary>
    public static async Task<int> OutputsVerifiedAsync(TestBed bed, int expected)
    {
        await using var cmd = bed.Db.CreateCommand(
            "select o.location, o.md5 from outputs o join items i on i.id = o.item_id and o.run = i.run where o.state = 'Stored' and i.state = 'Succeeded'");
        await using var r = await cmd.ExecuteReaderAsync();
        var count = 0;
        while (await r.ReadAsync())
        {
            Assert.Equal(r.GetString(1), Convert.ToBase64String(MD5.HashData(await File.ReadAllBytesAsync(r.GetString(0)))));
            count++;
        }
        Assert.Equal(expected, count);
        return count;
    }

    /// <summary>The ledger holds, item by item, exactly what the provider charged for it.</summary>
    public static async Task LedgerReconcilesAsync(TestBed bed)
    {
        await using var cmd = bed.Db.CreateCommand("select i.prompt, coalesce(sum(l.credits), 0) from items i left join usage_ledger l on l.item_id = i.id group by i.prompt");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            Assert.True(r.GetDecimal(1) == bed.Sim.State.ChargesByPrompt.GetValueOrDefault(r.GetString(0)),
                $"'{r.GetString(0)}': ledger {r.GetDecimal(1)}, provider charged {bed.Sim.State.ChargesByPrompt.GetValueOrDefault(r.GetString(0))}");
        await r.DisposeAsync();
        await RunningTotalsAgreeAsync(bed);
    }

    /// <summary>
    /// The running totals the dashboard and <c>status</c> show equal a full count of the items and a full sum of the
    /// ledger, per manifest: before folding (totals plus deltas) and after (totals alone).
    /// </summary>
    public static async Task RunningTotalsAgreeAsync(TestBed bed)
    {
        var totals = new RunningTotals(bed.Db);
        foreach (var folded in new[] { false, true })
        {
            if (folded) await totals.FoldAsync(default);
            var counted = await RowsAsync(bed, "select manifest_id, state, count(*) from items group by 1, 2 order by 1, 2",
                r => $"{r.GetGuid(0)} {r.GetString(1)} {r.GetInt64(2)}");
            var manifests = await RowsAsync(bed, "select id from manifests", r => r.GetGuid(0));
            var kept = (await totals.CountsByManifestAsync(manifests, default)).SelectMany(m => m.Value.Select(c => $"{m.Key} {c.Key} {c.Value}"));
            Assert.Equal(counted.Order(StringComparer.Ordinal), kept.Order(StringComparer.Ordinal));

            var summed = await RowsAsync(bed, "select manifest_id, sum(credits), sum(cost_usd) from usage_ledger group by 1",
                r => $"{r.GetGuid(0)} {r.GetDecimal(1):0.####} {(r.IsDBNull(2) ? "-" : r.GetDecimal(2).ToString("0.######"))}");
            var booked = (await totals.SpendByManifestAsync(manifests, default))
                .Select(m => $"{m.Key} {m.Value.Credits:0.####} {(m.Value.CostUsd is { } usd ? usd.ToString("0.######") : "-")}");
            Assert.Equal(summed.Order(StringComparer.Ordinal), booked.Order(StringComparer.Ordinal));
        }
    }

    private static async Task<List<T>> RowsAsync<T>(TestBed bed, string sql, Func<Npgsql.NpgsqlDataReader, T> read)
    {
        await using var cmd = bed.Db.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await r.ReadAsync()) rows.Add(read(r));
        return rows;
    }
}
