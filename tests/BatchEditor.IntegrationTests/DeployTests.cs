using System.Diagnostics;
using System.Text;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.ProviderSim;
using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Deploys as orchestrators do them: SIGTERM to a worker, a new process beside it. A submit already sent waits for its
/// answer (however long a synchronous provider takes, within the grace); nothing is parked in review, nothing is paid
/// twice, and the process is gone within grace + 5 s whatever state the database is in.
/// </summary>
public class DeployTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SIGTERM_during_a_slow_synchronous_submit_waits_for_its_answer_and_parks_nothing()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:GptImageApi:RequestTimeout"] = "00:00:30"; // the grace covers it: 40 s
        const string prompt = "Relight [sim:latency=8s]";
        await bed.ImportAsync(Csv.Row("SYNC-1", prompt), defaults: new Manifests.ManifestDefaults(Provider: "gptimageapi"));
        var env = bed.EnvironmentVariables();
        env["Logging__LogLevel__Default"] = "Information";
        await using var worker = WorkerProcess.Start(env, "--concurrency", "1");
        await bed.WaitForAsync(() => Task.FromResult(bed.Sim.State.SubmitsOf(prompt) == 1), what: "the request at the provider");

        var stopping = Stopwatch.StartNew();
        await worker.TerminateAsync();
        var exit = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var took = stopping.Elapsed;

        Assert.True(exit == 0, $"exit {exit} after {took}:\n{worker.Output}");
        Assert.True(took > TimeSpan.FromSeconds(4), $"stopped after {took}, before the answer could have come");
        Assert.Contains("SIGTERM received", worker.Output);
        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Copying", item.State); // answered and recorded; the copy is handed to the next worker
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items where lease_token is not null"));

        var next = await Cli.RunAsync(env, TimeSpan.FromSeconds(60), "worker", "--until-idle");
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        await BatchAssert.LedgerReconcilesAsync(bed);
        FaultReport.Write(output, "SIGTERM mid synchronous submit", $"waited {took.TotalSeconds:0.0} s for the answer, exit 0; 1 submit, 0 NeedsReview");
    }

    [Fact]
    public async Task SIGTERM_with_PostgreSQL_gone_exits_within_the_grace_and_five_seconds()
    {
        var postgres = await PostgresServer.StartDedicatedAsync();
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromSeconds(30), ImageScale = 0.1 }, postgres);
        bed.Settings["Worker:ShutdownGrace"] = "00:00:06";
        bed.Settings["Providers:GptImageApi:RequestTimeout"] = "00:01:00";
        // Queue jobs that keep polling, and synchronous submits that outlast the grace.
        var rows = Enumerable.Range(1, 6).Select(i => $"DB-{i},https://img.example.com/{i}.jpg,Grey {i}{(i % 2 == 0 ? " [sim:latency=40s]" : "")},{(i % 2 == 0 ? "gptimageapi" : "pixeldojo")}");
        await bed.ImportAsync("id,image_url,prompt,provider\n" + string.Join("\n", rows) + "\n");
        await using var worker = WorkerProcess.Start(bed.EnvironmentVariables(), "--concurrency", "8");
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) = 6 from items where state in ('Submitting', 'Running') and submit_sent_at is not null"),
            what: "every submit out");

        await postgres.StopAsync();
        var stopping = Stopwatch.StartNew();
        await worker.TerminateAsync();
        var exit = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var took = stopping.Elapsed;

        Assert.True(took <= TimeSpan.FromSeconds(6 + 5), $"exit {exit} after {took}:\n{worker.Output}");
        await postgres.StartAsync();
        FaultReport.Write(output, "SIGTERM, PostgreSQL stopped", $"exit {exit} after {took.TotalSeconds:0.0} s (grace 6 s + 5 s allowed)");
    }

    [Fact]
    public async Task A_rolling_restart_of_three_workers_parks_nothing_and_pays_nothing_twice()
    {
        var (items, restarts) = FaultReport.Full ? (120, 15) : (24, 5);
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromSeconds(30), ImageScale = 0.1 });
        bed.Settings["Providers:GptImageApi:RequestTimeout"] = "00:01:00";
        bed.Settings["Providers:PixelDojo:RequestTimeout"] = "00:00:10";
        bed.Settings["Providers:PixelDojo:MaxPollInterval"] = "00:00:05";
        var env = bed.EnvironmentVariables();
        // Half on a queue (accepted at once, done 30 s later), half synchronous (the submit itself lasts 30 s).
        var rows = Enumerable.Range(1, items).Select(i => i % 2 == 0
            ? $"ROLL-{i:D3},https://img.example.com/{i}.jpg,Grey {i} [sim:latency=30s],gptimageapi"
            : $"ROLL-{i:D3},https://img.example.com/{i}.jpg,Grey {i},pixeldojo");
        await bed.ImportAsync("id,image_url,prompt,provider\n" + string.Join("\n", rows) + "\n");

        var workers = Enumerable.Range(0, 3).Select(_ => WorkerProcess.Start(env, "--concurrency", "4")).ToArray();
        var stopped = new List<(WorkerProcess Worker, Task<int> Exit)>();
        try
        {
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) >= 6 from items where submit_sent_at is not null"), what: "submits out");
            for (var r = 0; r < restarts; r++)
            {
                await Task.Delay(TimeSpan.FromSeconds(6));
                var old = workers[r % 3];
                await old.TerminateAsync(); // the orchestrator sends SIGTERM and starts the new process at once
                stopped.Add((old, old.WaitForExitAsync(TimeSpan.FromSeconds(70 + 5 + 5))));
                workers[r % 3] = WorkerProcess.Start(env, "--concurrency", "4");
            }
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state in ('Pending', 'Submitting', 'Running', 'Copying')") == 0,
                TimeSpan.FromMinutes(FaultReport.Full ? 10 : 4), "every item at rest");
            foreach (var (old, exit) in stopped)
                Assert.True(await exit == 0, $"a worker stopped for the deploy exited {await exit}:\n{old.Output}");
        }
        finally
        {
            foreach (var w in workers) await w.DisposeAsync();
            foreach (var (old, _) in stopped) await old.DisposeAsync();
        }

        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items where state = 'NeedsReview'"));
        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        var duplicates = bed.Sim.State.Jobs.Values.GroupBy(j => j.Prompt).Count(g => g.Count() > 1);
        Assert.Equal(0, duplicates);
        Assert.Equal(items, bed.Sim.State.TotalSubmits);
        await BatchAssert.LedgerReconcilesAsync(bed);
        FaultReport.Write(output, "Rolling restart", $"{items} items (half synchronous, 30 s each), 3 workers, {restarts} SIGTERM + new process; " +
            $"every stopped worker exited 0; 0 NeedsReview, 0 duplicate submits, ledger = provider's charges");
    }
}
