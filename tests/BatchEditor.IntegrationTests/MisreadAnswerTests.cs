using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;

namespace BatchEditor.IntegrationTests;

/// <summary>Answers that are easy to misread: "done" with nothing in it, a 200 that says nothing, an outage that lasts.</summary>
public class MisreadAnswerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_job_that_completes_without_outputs_fails_in_the_providers_words_and_keeps_its_charge()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("EMPTY-1", "Relight [sim:empty]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State);
        Assert.Contains("reported completion without any output", item.Reason);
        Assert.Contains("\"images\":[]", item.Reason); // what the provider actually said
        await BatchAssert.LedgerMatchesProviderAsync(bed, "Relight [sim:empty]", 5m);
    }

    [Fact]
    public async Task A_synchronous_answer_without_images_fails_and_its_published_price_stays_charged()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("EMPTY-2", "Relight [sim:empty]"), defaults: new ManifestDefaults(Provider: "gptimageapi"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State);
        Assert.Contains("returned no image", item.Reason);
        Assert.Equal(8m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger"));
    }

    [Fact]
    public async Task A_synchronous_200_that_cannot_be_read_is_ambiguous_not_a_free_refusal()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("GARBLED-1", "Relight [sim:garbage]"), defaults: new ManifestDefaults(Provider: "gptimageapi"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("NeedsReview", item.State);
        Assert.Contains("unreadable body", item.Reason);
        Assert.Equal(8m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger where estimated")); // a possible charge
    }

    [Fact]
    public async Task A_provider_outage_longer_than_a_few_attempts_is_waited_out_not_failed()
    {
        await using var bed = await TestBed.StartAsync(new ProviderSim.SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(200), ImageScale = 0.25, RetryAfterSeconds = 0 });
        bed.Settings["Worker:MaxRetryDelay"] = "00:00:00.300";
        bed.Settings["Providers:PixelDojo:BreakerCooldown"] = "00:00:00.200"; // 503s are 5xx: the breaker opens between the retries
        const string prompt = "Brighten [sim:503=9]"; // refused nine times: the old limit of six attempts failed the item for good
        await bed.ImportAsync(Csv.Row("OUTAGE-1", prompt));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(10, bed.Sim.State.SubmitsOf(prompt));
        Assert.Equal(9L, await bed.ScalarAsync<long>("select count(*) from provider_attempts where outcome = 'retryable'"));
        await BatchAssert.LedgerMatchesProviderAsync(bed, prompt, 5m);
    }

    [Fact]
    public async Task An_outage_outlasting_the_retry_window_fails_with_the_reason_and_nothing_charged()
    {
        await using var bed = await TestBed.StartAsync(new ProviderSim.SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(200), ImageScale = 0.25, RetryAfterSeconds = 0 });
        bed.Settings["Worker:MaxRetryDelay"] = "00:00:00.200";
        bed.Settings["Worker:SubmitRetryWindow"] = "00:00:01.500";
        bed.Settings["Providers:PixelDojo:BreakerCooldown"] = "00:00:00.200";
        await bed.ImportAsync(Csv.Row("OUTAGE-2", "Brighten [sim:503=1000]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State);
        Assert.Contains("still refused after", item.Reason);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from usage_ledger"));
    }
}
