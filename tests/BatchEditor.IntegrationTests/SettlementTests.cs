using BatchEditor.Engine;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Items;
using BatchEditor.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// A submit that may have been billed is settled before anything pays for its item again: a cancel while the request
/// is out books the possible charge, every late answer is booked and listed by `review`, and retry and resubmit refuse an
/// unsettled item inside their guarded statements.
/// </summary>
public class SettlementTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_cancel_while_the_submit_is_out_books_its_charge_and_retry_pays_again_only_once_it_is_settled()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        const string prompt = "Relight [sim:slowanswer=3s]"; // created and charged at once, answered 3 s later
        await bed.ImportAsync(Csv.Row("CANCEL-1", prompt), name: "spring");
        await using var worker = WorkerProcess.Start(env, "--concurrency", "1");
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select submit_sent_at is not null from items"), what: "the send");

        var cancelled = await Cli.RunAsync(env, Timeout, "cancel", "spring");
        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.Equal("Cancelled", Assert.Single(await bed.ItemsAsync()).State);
        // The possible charge is on the ledger at once, before the provider has answered.
        Assert.Equal(5m, await bed.ScalarAsync<decimal>("select coalesce(sum(credits), 0) from usage_ledger"));

        // The answer arrives after the item moved on: it is kept, booked (the provider's own figure) and listed.
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_attempts where outcome = 'late')"), what: "the late answer");
        var job = Assert.Single(bed.Sim.State.Jobs.Keys);
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
        var listed = await Cli.RunAsync(env, Timeout, "review", "spring");
        Assert.Contains("CANCEL-1", listed.Stdout);
        Assert.Contains($"late answer kept: job {job} accepted", listed.Stdout);
        Assert.Contains("not settled", listed.Stdout);

        // Retry refuses the item while its submit is unsettled: no second job.
        var refused = await Cli.RunAsync(env, Timeout, "retry", "spring", "--state", "Cancelled");
        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.Contains("1 item(s) not retried: a submit of theirs may have been billed and is not settled", refused.Stdout);
        await Task.Delay(1000);
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        Assert.Equal("Cancelled", Assert.Single(await bed.ItemsAsync()).State);

        // The operator keeps the charge: now a retry pays again, says so with the amount, and both charges are booked.
        var id = (await bed.ScalarAsync<long>("select id from items")).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var kept = await Cli.RunAsync(env, Timeout, "review", "resolve", id, "--keep");
        Assert.True(kept.ExitCode == 0, kept.ToString());
        var retried = await Cli.RunAsync(env, Timeout, "retry", "spring", "--state", "Cancelled");
        Assert.Contains("1 item(s) will be submitted again as a new run; 1 of them were charged before ($0.05 · 5 credits) and a new submit is charged again", retried.Stdout);
        await bed.WaitForAsync(async () => Assert.Single(await bed.ItemsAsync()).State == "Succeeded", Timeout, "the new run");
        Assert.Equal(2, bed.Sim.State.SubmitsOf(prompt));
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 10m);
        Assert.Contains("Nothing needs review.", (await Cli.RunAsync(env, Timeout, "review")).Stdout);
    }

    [Fact]
    public async Task A_job_cancelled_while_out_can_be_adopted_and_its_output_stored_without_paying_again()
    {
        await using var bed = await TestBed.StartAsync();
        const string prompt = "Relight [sim:slowanswer=2s]";
        await bed.ImportAsync(Csv.Row("CANCEL-2", prompt), name: "summer");
        using var host = bed.BuildHost(worker: true);
        await host.StartAsync();
        try
        {
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select submit_sent_at is not null from items"), what: "the send");
            var actions = host.Services.GetRequiredService<OperatorActions>();
            Assert.Equal(1, await actions.CancelAsync(await bed.ScalarAsync<Guid>("select id from manifests"), "test operator", CancellationToken.None));
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_attempts where outcome = 'late')"), what: "the late answer");
            var job = Assert.Single(bed.Sim.State.Jobs.Keys);
            Assert.Contains($"--adopt {job}", Assert.Single(await bed.ItemsAsync()).Reason);

            var adopted = await actions.AdoptAsync(await bed.ScalarAsync<long>("select id from items"), job, "test operator", CancellationToken.None);
            Assert.True(adopted.Done, adopted.Message);
            await bed.WaitForAsync(async () => Assert.Single(await bed.ItemsAsync()).State == "Succeeded", Timeout, "the adopted job stored");
        }
        finally
        {
            await host.StopAsync();
        }
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
        Assert.Equal("adopted", await bed.ScalarAsync<string>("select settlement from provider_attempts where sent_at is not null"));
    }

    [Fact]
    public async Task An_answer_that_arrives_after_a_resubmit_is_booked_and_listed_and_the_ledger_still_equals_the_provider()
    {
        await using var bed = await TestBed.StartAsync();
        const string prompt = "Relight [sim:slowanswer=3s]";
        await bed.ImportAsync(Csv.Row("LATE-3", prompt));
        using var host = bed.BuildHost(worker: true, o => o.LeaseDuration = TimeSpan.FromSeconds(30));
        await host.StartAsync();
        try
        {
            // The worker's request is out; the item is taken from it (as after a pause) and parked for review.
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select submit_sent_at is not null from items"));
            await bed.ExecAsync("update items set lease_expires_at = now() - interval '1 second'");
            await host.Services.GetRequiredService<LeaseRescuer>().RescueAsync("test rescuer", CancellationToken.None);
            // The operator sees no job yet and resubmits: the possible charge is released, a new run starts.
            var itemId = await bed.ScalarAsync<long>("select id from items");
            var resubmitted = await host.Services.GetRequiredService<OperatorActions>().ResubmitAsync(itemId, "test operator", CancellationToken.None);
            Assert.True(resubmitted.Done, resubmitted.Message);

            // Then the first run's answer arrives: the job existed after all. It is booked again, and listed.
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_attempts where outcome = 'late' and run = 1)"), Timeout, "the late answer");
            await bed.WaitForAsync(async () => Assert.Single(await bed.ItemsAsync()).State == "Succeeded", Timeout, "the second run");
            var review = await host.Services.GetRequiredService<ReviewQueries>().NeedingReviewAsync(null, 10, CancellationToken.None);
            Assert.Equal(itemId, Assert.Single(review).Id);
            var late = Assert.Single(await host.Services.GetRequiredService<ReviewQueries>().AttemptsAsync(itemId, CancellationToken.None), a => a.Unsettled);
            Assert.Equal(1, late.Run);

            // Both jobs were billed, and the ledger says so.
            Assert.Equal(2, bed.Sim.State.SubmitsOf(prompt));
            await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 10m);

            // Keeping the charge settles it: nothing is left to review.
            var kept = await host.Services.GetRequiredService<OperatorActions>().KeepAsync(itemId, "test operator", CancellationToken.None);
            Assert.True(kept.Done, kept.Message);
            Assert.Empty(await host.Services.GetRequiredService<ReviewQueries>().NeedingReviewAsync(null, 10, CancellationToken.None));
            await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 10m);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Resubmit_is_refused_inside_its_guarded_statement_when_an_answer_came_back()
    {
        await using var bed = await TestBed.StartAsync();
        const string prompt = "Crop [sim:500]"; // created and charged, then answered 500: NeedsReview
        await bed.ImportAsync(Csv.Row("RACE-1", prompt));
        await bed.RunWorkerUntilIdleAsync(Timeout);
        Assert.Equal("NeedsReview", Assert.Single(await bed.ItemsAsync()).State);
        using var host = bed.BuildHost();
        var itemId = await bed.ScalarAsync<long>("select id from items");
        var attempt = await bed.ScalarAsync<long>("select id from provider_attempts where sent_at is not null");

        // An answer lands between the operator's look and the resubmit's statement (here: before the statement runs).
        var job = Assert.Single(bed.Sim.State.Jobs.Keys);
        var answer = new LateResult($"job {job} accepted", job, new Providers.ProviderJob(job, $"{bed.Sim.PixelDojoBaseUrl}/jobs/{job}", "gpt-image-2-edit", null), null, null, null);
        await host.Services.GetRequiredService<Leases>().RecordLateResultAsync(attempt, answer,
            new Providers.CostReport(5, null, Estimated: true, null, "estimate"), "test", CancellationToken.None);

        var moved = await host.Services.GetRequiredService<OperatorTransitions>().ResubmitReviewed(itemId, 1, "test operator", CancellationToken.None);

        Assert.False(moved);
        Assert.Equal("NeedsReview", Assert.Single(await bed.ItemsAsync()).State);
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m); // nothing released: the job exists
    }

    [Fact]
    public async Task A_settled_answer_of_an_earlier_run_does_not_block_resubmitting_a_later_one()
    {
        await using var bed = await TestBed.StartAsync();
        const string prompt = "Crop [sim:500]"; // every submit is created and charged, then answered 500: NeedsReview
        await bed.ImportAsync(Csv.Row("RUNS-1", prompt), name: "runs");
        await bed.RunWorkerUntilIdleAsync(Timeout);
        using var host = bed.BuildHost();
        var actions = host.Services.GetRequiredService<OperatorActions>();
        var itemId = await bed.ScalarAsync<long>("select id from items");

        // Run 1's answer came late (kept on its attempt), and the operator adopted it: settled.
        var job = Assert.Single(bed.Sim.State.Jobs.Keys);
        var attempt = await bed.ScalarAsync<long>("select id from provider_attempts where sent_at is not null");
        await host.Services.GetRequiredService<Leases>().RecordLateResultAsync(attempt,
            new LateResult($"job {job} accepted", job, new Providers.ProviderJob(job, $"{bed.Sim.PixelDojoBaseUrl}/jobs/{job}", "gpt-image-2-edit", null), null, null, null),
            new Providers.CostReport(5, null, Estimated: true, null, "estimate"), "test", CancellationToken.None);
        Assert.True((await actions.AdoptAsync(itemId, job, "test operator", CancellationToken.None)).Done);
        // Then it was cancelled, and retried as run 2, whose submit is unclear again.
        Assert.Equal(1, await actions.CancelItemsAsync([itemId], "test operator", CancellationToken.None));
        Assert.Equal(1, (await actions.RetryItemsAsync([itemId], "test operator", CancellationToken.None)).Resubmitted);
        await bed.RunWorkerUntilIdleAsync(Timeout);
        Assert.Equal(("NeedsReview", 2), (Assert.Single(await bed.ItemsAsync()).State, await bed.ScalarAsync<int>("select run from items")));

        // Run 1's settled answer does not stand in the way of resubmitting run 2, whose own submit never answered.
        var resubmitted = await actions.ResubmitAsync(itemId, "test operator", CancellationToken.None);
        Assert.True(resubmitted.Done, resubmitted.Message);
        Assert.Equal(3, await bed.ScalarAsync<int>("select run from items"));
    }
}
