using BatchEditor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// A paid output that cannot be stored is recovered, not bought again: copies refused by our own configuration pause the
/// provider after a few items, and once the setting is fixed `retry` copies every paid output without a second submit.
/// </summary>
public class CopyRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Copies_refused_by_configuration_pause_the_provider_and_retry_stores_every_paid_output_without_paying_again()
    {
        const int items = 12;
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Downloads:AllowPrivateNetworks"] = "false"; // the simulator's outputs are on loopback: every copy is refused
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "2";
        await bed.ImportAsync(Csv.Manifest(items), name: "night");
        var env = bed.EnvironmentVariables();

        await using (var worker = WorkerProcess.Start(env, "--concurrency", "4"))
        {
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_pauses where provider = 'pixeldojo')"),
                TimeSpan.FromSeconds(60), "the provider paused");
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) = 0 from items where state in ('Submitting', 'Running', 'Copying')"),
                TimeSpan.FromSeconds(60), "the jobs in flight to end");
            await Task.Delay(TimeSpan.FromSeconds(1)); // nothing more is submitted
            await worker.TerminateAsync();
            Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        var paid = bed.Sim.State.TotalSubmits;
        Assert.InRange(paid, 3, 6); // paused after a few items, not after the whole batch
        Assert.Equal(items - paid, await bed.ScalarAsync<long>("select count(*) from items where state = 'Pending'"));
        var pause = await bed.ScalarAsync<string>("select reason from provider_pauses where provider = 'pixeldojo'");
        Assert.Contains("refused by the outbound guard", pause);
        Assert.Contains("batch-editor retry", pause);
        Assert.Contains("the output is paid for", await bed.ScalarAsync<string>("select reason from items where state = 'Failed' limit 1"));

        // The operator fixes the setting; retry copies what was paid for instead of submitting it again.
        env["Downloads__AllowPrivateNetworks"] = "true";
        var retried = await Cli.RunAsync(env, TimeSpan.FromSeconds(60), "retry", "night");
        Assert.True(retried.ExitCode == 0, retried.ToString());
        Assert.Contains($"{paid} item(s) will be copied again from the outputs already paid for (no new charge)", retried.Stdout);
        Assert.DoesNotContain("submitted again", retried.Stdout);
        var worker2 = await Cli.RunAsync(env, TimeSpan.FromSeconds(120), "worker", "--until-idle");
        Assert.True(worker2.ExitCode == 0, worker2.ToString()); // the first stored copy lifted the pause: the rest ran too

        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        Assert.Equal(items, bed.Sim.State.TotalSubmits); // one submit per item, the paid ones included
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from provider_pauses"));
        await BatchAssert.OutputsVerifiedAsync(bed, items);
        await BatchAssert.LedgerReconcilesAsync(bed);
        FaultReport.Write(output, "Copies refused by configuration", $"paused after {paid} paid items of {items}; retry re-copied {paid}, 0 paid twice; all stored");
    }
}
