using System.Security.Cryptography;

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
    }
}
