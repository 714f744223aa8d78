using BatchEditor.Engine;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Submits whose fate is unknown: parked with a possible charge on the ledger, late answers kept, and each way an
/// operator settles them (adopt, resubmit, fail) reconciled to the credit with what the provider charged.
/// </summary>
public class ReviewAndAdoptionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_answer_that_arrives_after_the_lease_was_lost_is_kept_and_adopted_instead_of_paying_again()
    {
        await using var bed = await TestBed.StartAsync();
        const string prompt = "Relight [sim:slowanswer=3s]";
        await bed.ImportAsync(Csv.Row("LATE-1", prompt));
        using var host = bed.BuildHost(worker: true, o => o.LeaseDuration = TimeSpan.FromSeconds(30));
        await host.StartAsync();
        try
        {
            // The provider's answer reaches the worker that lost the item: it is kept, and the item says how to adopt it.
            await TakeFromWorkerWhileItsSubmitIsOutAsync(bed, host);
            var job = await bed.ScalarAsync<string>("select provider_job_id from provider_attempts where outcome = 'late'");
            var itemId = await bed.ScalarAsync<long>("select id from items");
            Assert.Contains($"--adopt {job}", Assert.Single(await bed.ItemsAsync()).Reason);
            Assert.Equal(Assert.Single(bed.Sim.State.Jobs.Keys), job);

            var actions = host.Services.GetRequiredService<OperatorActions>();
            var refused = await actions.ResubmitAsync(itemId, "test operator", CancellationToken.None);
            Assert.False(refused.Done); // a job is known to exist: paying again needs more than a resubmit
            Assert.Contains("Adopt it", refused.Message);
            var adopted = await actions.AdoptAsync(itemId, job, "test operator", CancellationToken.None);
            Assert.True(adopted.Done, adopted.Message);
            await bed.WaitForAsync(async () => Assert.Single(await bed.ItemsAsync()).State == "Succeeded", Timeout);
        }
        finally
        {
            await host.StopAsync();
        }
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
    }

    [Fact]
    public async Task A_late_synchronous_answer_keeps_its_inline_outputs_which_are_copied_on_adoption()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:OpenAI:RequestTimeout"] = "00:00:30";
        const string prompt = "Grey backdrop [sim:latency=3s]"; // OpenAI answers with the image itself, 3 s later
        await bed.ImportAsync($"id,image_url,prompt\nLATE-2,{bed.Sim.BaseUrl}/inputs/front.png,{prompt}\n", defaults: new Manifests.ManifestDefaults(Provider: "openai"));
        using var host = bed.BuildHost(worker: true, o => o.LeaseDuration = TimeSpan.FromSeconds(30));
        await host.StartAsync();
        try
        {
            await TakeFromWorkerWhileItsSubmitIsOutAsync(bed, host);

            // No job id from OpenAI: the answer is adopted by its attempt, and its base64 image is what gets stored.
            var reference = await bed.ScalarAsync<string>("select provider_job_id from provider_attempts where outcome = 'late'");
            Assert.StartsWith("attempt:", reference);
            Assert.True(await bed.ScalarAsync<bool>("select late_result -> 'outputs' -> 0 ->> 'inlineBase64' is not null from provider_attempts where outcome = 'late'"));
            var adopted = await host.Services.GetRequiredService<OperatorActions>().AdoptAsync(await bed.ScalarAsync<long>("select id from items"), reference, "test operator", CancellationToken.None);
            Assert.True(adopted.Done, adopted.Message);
            await bed.WaitForAsync(async () => Assert.Single(await bed.ItemsAsync()).State == "Succeeded");
        }
        finally
        {
            await host.StopAsync();
        }
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        Assert.Single(Directory.GetFiles(bed.StorageRoot, "*.png", SearchOption.AllDirectories));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from outputs where inline_b64 is not null"));
    }

    [Fact]
    public async Task A_resubmit_after_review_releases_the_possible_charge_and_pays_once()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:RequestTimeout"] = "00:00:01";
        const string prompt = "Crop [sim:stallonce]"; // the first submit never answers; nothing is created
        await bed.ImportAsync(Csv.Row("STALL-1", prompt));
        await bed.RunWorkerUntilIdleAsync(Timeout);
        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("NeedsReview", item.State);
        // What the lost submit may cost is on the ledger, marked as an estimate.
        Assert.Equal(5m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger where estimated"));

        using (var host = bed.BuildHost())
        {
            var outcome = await host.Services.GetRequiredService<OperatorActions>().ResubmitAsync(await bed.ScalarAsync<long>("select id from items"), "test operator", CancellationToken.None);
            Assert.True(outcome.Done, outcome.Message);
        }
        await bed.RunWorkerUntilIdleAsync(Timeout);

        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(2, bed.Sim.State.SubmitsOf(prompt));
        Assert.Equal(["charge", "release", "charge"], await bed.ScalarAsync<string[]>("select array_agg(kind order by id) from usage_ledger"));
        Assert.Equal(2, await bed.ScalarAsync<int>("select run from items")); // a new run: new output names
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
    }

    [Fact]
    public async Task A_job_found_at_the_provider_is_adopted_by_its_id_and_polled_not_paid_again()
    {
        await using var bed = await TestBed.StartAsync();
        const string prompt = "Crop [sim:500]"; // created and charged, then answered 500
        await bed.ImportAsync(Csv.Row("AMB-1", prompt));
        await bed.RunWorkerUntilIdleAsync(Timeout);
        Assert.Equal("NeedsReview", Assert.Single(await bed.ItemsAsync()).State);

        var job = Assert.Single(bed.Sim.State.Jobs.Keys); // what the operator reads on the provider's dashboard
        using (var host = bed.BuildHost())
        {
            var outcome = await host.Services.GetRequiredService<OperatorActions>().AdoptAsync(await bed.ScalarAsync<long>("select id from items"), job, "test operator", CancellationToken.None);
            Assert.True(outcome.Done, outcome.Message);
        }
        await bed.RunWorkerUntilIdleAsync(Timeout);

        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
    }

    [Fact]
    public async Task Failing_a_reviewed_item_keeps_its_possible_charge_on_the_ledger()
    {
        await using var bed = await TestBed.StartAsync();
        const string prompt = "Crop [sim:500]";
        await bed.ImportAsync(Csv.Row("AMB-2", prompt));
        await bed.RunWorkerUntilIdleAsync(Timeout);
        using (var host = bed.BuildHost())
        {
            var outcome = await host.Services.GetRequiredService<OperatorActions>().FailAsync(await bed.ScalarAsync<long>("select id from items"), "test operator", "not worth chasing", CancellationToken.None);
            Assert.True(outcome.Done, outcome.Message);
        }
        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State);
        Assert.Contains("not worth chasing", item.Reason);
        Assert.Contains("stays on the ledger", item.Reason);
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
    }

    /// <summary>
    /// Once the only item's request is out (marked sent), takes it from the in-process worker as the rescuer would after a
    /// pause past the lease (NeedsReview), then waits for the worker to receive the answer late and keep it.
    /// </summary>
    private static async Task TakeFromWorkerWhileItsSubmitIsOutAsync(TestBed bed, Microsoft.Extensions.Hosting.IHost host)
    {
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from items where submit_sent_at is not null)"));
        await bed.ExecAsync("update items set lease_expires_at = now() - interval '1 second'");
        await host.Services.GetRequiredService<LeaseRescuer>().RescueAsync("test rescuer", CancellationToken.None);
        Assert.Equal("NeedsReview", Assert.Single(await bed.ItemsAsync()).State);
        await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_attempts where outcome = 'late')"));
    }
}
