using System.Diagnostics;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.ProviderSim;
using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests;

/// <summary>PostgreSQL restarted under a running worker process: it waits, reconnects and carries on by itself.</summary>
public class DatabaseRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Workers_recover_from_a_PostgreSQL_restart_within_30_seconds_without_help()
    {
        var postgres = await PostgresServer.StartDedicatedAsync(); // restarting the shared server would disturb other tests
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromSeconds(1), ImageScale = 0.1 }, postgres);
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "10";
        const int items = 80;
        await bed.ImportAsync(Csv.Manifest(items));
        var worker = Cli.RunAsync(bed.EnvironmentVariables(), TimeSpan.FromMinutes(3), "worker", "--until-idle", "--concurrency", "8");
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) >= 10 from items where state = 'Succeeded'"), what: "a running batch");

        var before = await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'");
        await postgres.RestartAsync();
        var restarted = Stopwatch.StartNew();
        bed.Db.Clear(); // the test's own pool holds dead connections too
        await bed.WaitForAsync(async () => await SucceededAsync(bed) > before, TimeSpan.FromSeconds(30), "progress after the restart");
        var recovered = restarted.Elapsed;

        var result = await worker;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        Assert.Equal(items, bed.Sim.State.TotalSubmits);
        await BatchAssert.OutputsVerifiedAsync(bed, items);
        await BatchAssert.LedgerReconcilesAsync(bed);
        FaultReport.Write(output, "PostgreSQL restart", $"{items} items; progress resumed {recovered.TotalSeconds:0.0} s after the restart; exit 0; {items} submits for {items} items");
    }

    private static async Task<long> SucceededAsync(TestBed bed)
    {
        try { return await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"); }
        catch (Npgsql.NpgsqlException) { return -1; } // still coming up
    }
}
