using BatchEditor.Engine;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;
using BatchEditor.ProviderSim;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Real worker processes killed (SIGKILL), paused past their lease (SIGSTOP/SIGCONT) and stopped (SIGTERM): nothing is
/// lost, nothing is paid twice, and every output is where the database says, with the MD5 it records.
/// </summary>
public class ProcessFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_workers_one_killed_again_and_again_lose_nothing_and_pay_nothing_twice()
    {
        var (items, kills) = FaultReport.Full ? (2000, 40) : (500, 10);
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromSeconds(1), ImageScale = 0.1 });
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "25";
        bed.Settings["Worker:LeaseDuration"] = "00:00:03";
        bed.Settings["Worker:RescueInterval"] = "00:00:01";
        var env = bed.EnvironmentVariables();
        await bed.ImportAsync(Csv.Manifest(items));

        await using var steady = WorkerProcess.Start(env, "--concurrency", "8");
        var victim = WorkerProcess.Start(env, "--concurrency", "8");
        var random = new Random(20261121);
        var killed = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(FaultReport.Full ? 20 : 5);
        try
        {
            while (killed < kills && await ActiveAsync(bed) > 0)
            {
                await Task.Delay(random.Next(300, 1500));
                victim.Kill();
                await victim.DisposeAsync();
                killed++;
                victim = WorkerProcess.Start(env, "--concurrency", "8");
            }
            await bed.WaitForAsync(async () => await ActiveAsync(bed) == 0, deadline - DateTime.UtcNow, "every item at rest");
        }
        finally
        {
            await victim.DisposeAsync();
        }
        Assert.True(killed >= kills, $"the batch ended after {killed} kills; it must outlast {kills}");

        // Every item is final or waits for review, and each review says why: its worker died with the request out.
        var review = await bed.ScalarAsync<long>("select count(*) from items where state = 'NeedsReview'");
        var reviewedForOtherReasons = await bed.ScalarAsync<string[]>(
            "select coalesce(array_agg(reason), '{}') from items where state = 'NeedsReview' and reason not like '%lost while its submit was in flight%'");
        Assert.Empty(reviewedForOtherReasons);
        var duplicates = bed.Sim.State.Jobs.Values.GroupBy(j => j.Prompt).Count(g => g.Count() > 1);
        Assert.Equal(0, duplicates);

        // The operator settles each parked item from what the provider knows, and the batch completes.
        var (adopted, resubmitted) = await bed.SettleReviewsAsync();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        await steady.TerminateAsync();
        Assert.Equal(0, await steady.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        var verified = await BatchAssert.OutputsVerifiedAsync(bed, items);
        Assert.Equal(0, bed.Sim.State.Jobs.Values.GroupBy(j => j.Prompt).Count(g => g.Count() > 1)); // resubmitted only where no job existed
        await BatchAssert.LedgerReconcilesAsync(bed);
        FaultReport.Write(output, "SIGKILL", $"{items} items, {killed} kills of one of 2 workers; {review} NeedsReview (each: worker lost with its submit out), " +
            $"settled as {adopted} adopted + {resubmitted} resubmitted; 0 duplicate paid submissions; {verified} outputs verified; ledger = provider's charges");
    }

    [Fact]
    public async Task A_worker_paused_past_its_lease_after_sending_records_its_late_answer_which_is_adopted_not_paid_again()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Worker:LeaseDuration"] = "00:00:02";
        bed.Settings["Worker:RescueInterval"] = "01:00:00"; // the test rescues itself, while the worker is paused
        bed.Settings["Providers:PixelDojo:RequestTimeout"] = "00:01:00"; // the pause must not read as a timeout
        const string prompt = "Relight [sim:slowanswer=4s]";
        await bed.ImportAsync(Csv.Row("PAUSED-1", prompt));
        var env = bed.EnvironmentVariables();
        await using var worker = WorkerProcess.Start(env, "--concurrency", "1");

        // Paused once the request has reached the provider (a pause between the send mark and the first byte withdraws the
        // request instead: SubmitFenceTests).
        await bed.WaitForAsync(() => Task.FromResult(bed.Sim.State.SubmitsOf(prompt) == 1), what: "the request at the provider");
        await worker.PauseAsync();
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select lease_expires_at < now() from items"), what: "the lease lapsing");
        using (var host = bed.BuildHost(worker: true))
            Assert.Equal(1, (await host.Services.GetRequiredService<LeaseRescuer>().RescueAsync("test rescuer", CancellationToken.None)).NeedReview);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the provider answers while the worker is still paused
        await worker.ResumeAsync();

        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_attempts where outcome = 'late')"), what: "the late answer");
        var itemId = (await bed.ScalarAsync<long>("select id from items")).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var job = await bed.ScalarAsync<string>("select provider_job_id from provider_attempts where outcome = 'late'");
        var listed = await Cli.RunAsync(env, Timeout, "review");
        Assert.Contains($"late answer kept: job {job} accepted", listed.Stdout);
        var resolved = await Cli.RunAsync(env, Timeout, "review", "resolve", itemId, "--adopt", job);
        Assert.True(resolved.ExitCode == 0, resolved.ToString());
        await bed.WaitForAsync(async () => Assert.Single(await bed.ItemsAsync()).State == "Succeeded", what: "the adopted job stored");
        await worker.TerminateAsync();
        Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(30))); // a stop after SIGSTOP/SIGCONT is as graceful as any

        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
        FaultReport.Write(output, "SIGSTOP after send", $"1 submit; late answer kept as {job} and adopted; 0 duplicate charges");
    }

    [Fact]
    public async Task A_worker_paused_past_its_lease_before_sending_never_sends_once_resumed()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Worker:LeaseDuration"] = "00:00:02";
        bed.Settings["Worker:RescueInterval"] = "01:00:00";
        var csv = $"id,image_url,prompt\nPAUSED-2,{bed.Sim.BaseUrl}/inputs/slow-front.png,Grey backdrop\n"; // 3 s to fetch
        await bed.ImportAsync(csv, defaults: new ManifestDefaults(Provider: "openai"));
        var env = bed.EnvironmentVariables();
        await using var paused = WorkerProcess.Start(env, "--concurrency", "1");

        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select state = 'Submitting' from items"), what: "the claim");
        await paused.PauseAsync(); // mid-download, before the fence
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select lease_expires_at < now() from items"), what: "the lease lapsing");
        using (var host = bed.BuildHost(worker: true))
            Assert.Equal(1, (await host.Services.GetRequiredService<LeaseRescuer>().RescueAsync("test rescuer", CancellationToken.None)).Requeued);
        var other = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.True(other.ExitCode == 0, other.ToString());
        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);

        await paused.ResumeAsync();
        await Task.Delay(TimeSpan.FromSeconds(5)); // its download finishes; its fence must refuse
        await paused.TerminateAsync();
        var exit = await paused.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}:\n{paused.Output}");

        Assert.Equal(1, bed.Sim.State.TotalSubmits);
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from provider_attempts where sent_at is not null"));
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from provider_attempts"));
        FaultReport.Write(output, "SIGSTOP before send", "resumed worker's fence refused: 1 submit from 2 claims");
    }

    [Fact]
    public async Task A_stopped_worker_exits_0_leaving_nothing_leased_and_the_next_one_finishes_the_batch()
    {
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromSeconds(3), ImageScale = 0.1 });
        bed.Settings["Worker:ShutdownGrace"] = "00:00:10";
        await bed.ImportAsync(Csv.Manifest(12));
        var env = bed.EnvironmentVariables();
        await using var worker = WorkerProcess.Start(new Dictionary<string, string>(env) { ["Logging__LogLevel__Default"] = "Information" }, "--concurrency", "4");
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) >= 4 from items where state = 'Running'"), what: "jobs running");

        await worker.TerminateAsync();
        Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("SIGTERM received: finishing the steps in flight, then stopping", worker.Output); // not a silent stop
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items where lease_token is not null or state = 'Submitting'"));

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        Assert.Equal(12, bed.Sim.State.TotalSubmits);
        FaultReport.Write(output, "SIGTERM", "exit 0, 0 items left leased, batch finished by the next worker with 12 submits for 12 items");
    }

    [Fact]
    public async Task Worker_until_idle_exits_non_zero_with_the_reason_when_its_dispatcher_dies()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(2));
        await bed.ExecAsync("alter table provider_attempts rename to provider_attempts_gone"); // not transient: no retry helps

        var worker = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "worker", "--until-idle");

        Assert.True(worker.ExitCode == 5, worker.ToString());
        Assert.Contains("the worker stopped: the database is not set up", worker.Stderr);
        Assert.Contains("provider_attempts", worker.Stderr);
    }

    private static Task<long> ActiveAsync(TestBed bed) =>
        bed.ScalarAsync<long>("select count(*) from items where state in ('Pending', 'Submitting', 'Running', 'Copying')");
}
