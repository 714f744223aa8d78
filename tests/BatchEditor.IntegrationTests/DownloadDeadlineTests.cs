using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;

namespace BatchEditor.IntegrationTests;

/// <summary>Bodies that stop flowing: every download has an idle deadline, and an input that fails never looks "maybe sent".</summary>
public class DownloadDeadlineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_output_whose_body_stalls_mid_download_fails_visibly_instead_of_holding_a_slot_forever()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Downloads:IdleTimeout"] = "00:00:00.500";
        await bed.ImportAsync(Csv.Row("STALLBODY-1", "Sharpen [sim:stallbody]"));
        await bed.RunWorkerUntilIdleAsync(Timeout, o => o.MaxCopyAttempts = 2);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State);
        Assert.Contains("stalled: no bytes for 0.5 s", item.Reason);
        Assert.Empty(Directory.GetFiles(bed.StorageRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task An_input_that_stalls_is_retried_before_the_fence_and_never_parked_as_maybe_sent()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Downloads:IdleTimeout"] = "00:00:00.500";
        bed.Settings["Worker:MaxRetryDelay"] = "00:00:00.200";
        bed.Settings["Worker:SubmitRetryWindow"] = "00:00:02";
        var csv = $"id,image_url,prompt\nIN-1,{bed.Sim.BaseUrl}/inputs/stall-front.png,Grey backdrop\n";
        await bed.ImportAsync(csv, defaults: new ManifestDefaults(Provider: "openai"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State); // after the retry window; never NeedsReview
        Assert.Contains("stalled", item.Reason);
        Assert.Equal(0, bed.Sim.State.TotalSubmits);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from provider_attempts where sent_at is not null"));
        Assert.True(await bed.ScalarAsync<long>("select count(*) from provider_attempts") > 1);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from usage_ledger"));
    }
}
