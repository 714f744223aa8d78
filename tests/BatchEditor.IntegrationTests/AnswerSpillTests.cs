using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.ProviderSim;
using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Every job id a provider gives is durable: when the database will not take the answer, it is logged and spilled to
/// disk, and recorded once the database is back, by the same worker or any other sharing the folder.
/// </summary>
public class AnswerSpillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_answer_the_database_cannot_take_is_spilled_and_recorded_when_it_is_back()
    {
        var postgres = await PostgresServer.StartDedicatedAsync();
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(300), ImageScale = 0.1 }, postgres);
        var spill = Path.Combine(bed.StorageRoot, "spill");
        bed.Settings["Worker:SpillDirectory"] = spill;
        bed.Settings["Worker:AnswerRecordWindow"] = "00:00:02";
        bed.Settings["Providers:PixelDojo:RequestTimeout"] = "00:00:30";
        const string prompt = "Relight [sim:slowanswer=3s]"; // created and charged at once, answered 3 s later
        await bed.ImportAsync(Csv.Row("SPILL-1", prompt));
        var env = bed.EnvironmentVariables();
        await using var first = WorkerProcess.Start(env, "--concurrency", "1");
        await bed.WaitForAsync(() => Task.FromResult(bed.Sim.State.SubmitsOf(prompt) == 1), what: "the request at the provider");

        // The database goes away while the answer is on its way, for longer than the worker tries to record it.
        await postgres.StopAsync();
        var job = Assert.Single(bed.Sim.State.Jobs.Keys);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Directory.Exists(spill) || Directory.GetFiles(spill, "answer-*.json").Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"nothing spilled:\n{first.Output}");
            await Task.Delay(100);
        }
        Assert.Contains(job, first.Output); // the log line carries the job id, whatever else fails
        Assert.Contains("writing it to the spill folder", first.Output);

        // This worker dies before the database is back; the next one, sharing the folder, records the answer.
        first.Kill();
        await postgres.StartAsync();
        bed.Db.Clear();
        await using var second = WorkerProcess.Start(env, "--concurrency", "1");
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_attempts where provider_job_id = $1)", job), TimeSpan.FromSeconds(60),
            "the spilled answer recorded");
        // The file goes once the record has committed (a worker that dies in between replays it again, harmlessly).
        await bed.WaitForAsync(() => Task.FromResult(Directory.GetFiles(spill, "answer-*.json").Length == 0), TimeSpan.FromSeconds(10), "the spilled file removed");

        // Recorded as a late answer (its worker is gone) or with the move, if the lease still held: either way, no second job.
        var state = Assert.Single(await bed.ItemsAsync()).State;
        if (state == "NeedsReview")
        {
            var id = (await bed.ScalarAsync<long>("select id from items")).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(0, (await Cli.RunAsync(env, TimeSpan.FromSeconds(60), "review", "resolve", id, "--adopt", job)).ExitCode);
        }
        await bed.WaitForAsync(async () => Assert.Single(await bed.ItemsAsync()).State == "Succeeded", TimeSpan.FromSeconds(60), "the item stored");
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
        FaultReport.Write(output, "Answer spill", $"database down while job {job} was answered: spilled, replayed by another worker ({state}); 1 submit");
    }
}
