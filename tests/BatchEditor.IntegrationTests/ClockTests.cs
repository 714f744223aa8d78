using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.ProviderSim;
using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Decisions about time use the database's clock, never the worker's: a worker whose clock runs ten minutes fast (a real
/// process under libfaketime) expires no live output, fails no running job and gives up no refusal early.
/// </summary>
public class ClockTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_worker_whose_clock_is_ten_minutes_fast_expires_nothing_live_and_fails_nothing_early()
    {
        var faketime = new[] { "/usr/bin/faketime", "/usr/local/bin/faketime" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("faketime is not installed: scripts/test.sh installs it (apt package faketime)");
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromSeconds(1), OutputTtl = TimeSpan.FromMinutes(5), ImageScale = 0.1 });
        bed.Settings["Worker:MaxJobDuration"] = "00:05:00";
        bed.Settings["Worker:SubmitRetryWindow"] = "00:05:00";
        // Outputs live 5 minutes, jobs may run 5 minutes, refusals are waited out for 5 minutes: a clock 10 minutes fast
        // that decided any of these would expire, fail or give up on every item.
        await bed.ImportAsync(Csv.Manifest(6, i => i % 3 == 0 ? "[sim:503]" : ""));

        var worker = WorkerProcess.StartUnder([faketime, "-f", "+10m"], bed.EnvironmentVariables(), "--until-idle", "--concurrency", "4");
        await using (worker)
        {
            var exit = await worker.WaitForExitAsync(TimeSpan.FromSeconds(90));
            Assert.True(exit == 0, $"exit {exit}:\n{worker.Output}");
        }
        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        Assert.Equal(6 + 2, bed.Sim.State.TotalSubmits); // two refused once, then accepted
        await BatchAssert.OutputsVerifiedAsync(bed, 6);
        FaultReport.Write(output, "Clock 10 min fast", "6 items (outputs live 5 min, jobs and refusals allowed 5 min): all Succeeded, 0 expired, 0 failed");
    }
}
