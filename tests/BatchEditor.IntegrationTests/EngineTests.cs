using System.Security.Cryptography;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Storage;
using BatchEditor.Imaging;

namespace BatchEditor.IntegrationTests;

/// <summary>The whole engine in-process against real PostgreSQL and the simulator, one failure mode per test.</summary>
public class EngineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_batch_is_submitted_polled_copied_verified_and_accounted()
    {
        await using var bed = await TestBed.StartAsync();
        var manifest = await bed.ImportAsync(Csv.Manifest(6), name: "happy");
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var items = await bed.ItemsAsync();
        Assert.All(items, i => Assert.Equal("Succeeded", i.State));
        await using (var cmd = bed.Db.CreateCommand("select blob_name, location, md5, size_bytes, content_type from outputs where state = 'Stored' order by blob_name"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            var count = 0;
            while (await r.ReadAsync())
            {
                count++;
                Assert.Matches($@"^{manifest.Id:N}/SKU-\d{{4}}/1\.png$", r.GetString(0));
                var bytes = await File.ReadAllBytesAsync(r.GetString(1));
                Assert.Equal(ImageKind.Png, ImageKind.Sniff(bytes));
                Assert.Equal(r.GetString(2), Convert.ToBase64String(MD5.HashData(bytes)));
                Assert.Equal(r.GetInt64(3), bytes.Length);
                Assert.Equal("image/png", r.GetString(4));
            }
            Assert.Equal(6, count);
        }
        // Every credit accounted for: one reported charge of 5 credits per item, priced at $0.01 a credit.
        Assert.Equal(30m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger where manifest_id = $1", manifest.Id));
        Assert.Equal(0.30m, await bed.ScalarAsync<decimal>("select sum(cost_usd) from usage_ledger"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from usage_ledger where estimated"));
        // Each item walked the documented path, one history row per transition.
        var paths = await bed.ScalarAsync<string[]>(
            "select array_agg(distinct p) from (select string_agg(to_state, '>' order by id) p from item_history group by item_id) x");
        Assert.Equal(["Submitting>Running>Copying>Succeeded"], paths);
        Assert.Equal(6, bed.Sim.State.Jobs.Count);
    }

    [Fact]
    public async Task A_failed_job_is_final_with_its_reason_and_its_credits_refunded()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("FAIL-1", "Recolour the mug [sim:fail]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State);
        Assert.Contains("Content policy violation", item.Reason);
        Assert.Contains("refunded", item.Reason);
        Assert.Equal(0m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger"));
        Assert.Equal(-5m, await bed.ScalarAsync<decimal>("select credits from usage_ledger where kind = 'refund'"));
    }

    [Fact]
    public async Task A_429_proves_nothing_was_created_so_the_submit_is_retried_after_Retry_After()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("RL-1", "Brighten [sim:429]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(2, bed.Sim.State.SubmitsOf("Brighten [sim:429]"));
        var outcomes = await bed.ScalarAsync<string[]>("select array_agg(outcome order by id) from provider_attempts");
        Assert.Equal(["retryable", "accepted"], outcomes);
        Assert.Equal(5m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger")); // charged once
    }

    [Fact]
    public async Task A_500_after_the_job_was_created_goes_to_NeedsReview_and_is_never_resubmitted()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("AMB-1", "Crop [sim:500]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("NeedsReview", item.State);
        Assert.Contains("500 from pixeldojo", item.Reason);
        Assert.Equal(1, bed.Sim.State.SubmitsOf("Crop [sim:500]"));
    }

    [Fact]
    public async Task A_submit_that_times_out_is_ambiguous_and_goes_to_NeedsReview()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:RequestTimeout"] = "00:00:01";
        await bed.ImportAsync(Csv.Row("STALL-1", "Retouch [sim:stall]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("NeedsReview", item.State);
        Assert.Contains("did not answer in time", item.Reason);
    }

    [Fact]
    public async Task Outputs_that_expired_before_the_copy_end_Expired_with_their_cost_on_the_ledger()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("EXP-1", "Relight [sim:expired]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Expired", item.State);
        Assert.Contains("expired", item.Reason);
        Assert.Equal(5m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger"));
        Assert.Equal("Expired", await bed.ScalarAsync<string>("select state from outputs"));
    }

    [Fact]
    public async Task A_download_cut_short_is_never_stored_and_the_item_fails_visibly_after_its_retries()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("TRUNC-1", "Sharpen [sim:truncate]"));
        await bed.RunWorkerUntilIdleAsync(Timeout, o => o.MaxCopyAttempts = 2);

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Failed", item.State);
        Assert.Contains("copy of output 1 failed", item.Reason);
        Assert.Empty(Directory.GetFiles(bed.StorageRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_older_single_image_output_shape_is_accepted()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("LEG-1", "Tidy [sim:legacy]"));
        await bed.RunWorkerUntilIdleAsync(Timeout);
        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
    }
}

/// <summary>The demo's promise: a batch completes end to end on every provider, against the simulator.</summary>
public class EveryProviderEndToEndTests
{
    [Theory]
    [InlineData("pixeldojo", "1:1")]
    [InlineData("gptimageapi", "1:1")]
    [InlineData("gmicloud", "2:3")]
    [InlineData("wavespeed", "2:3")]
    [InlineData("fal", "1024x1536")]
    [InlineData("openai", "2:3")]
    public async Task A_batch_completes_with_outputs_stored_and_costs_on_the_ledger(string provider, string size)
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:GmiCloud:PricePerImageUsd"] = "0.04";
        // Real input URLs: OpenAI's adapter downloads them to upload the files.
        var csv = $"id,image_url,prompt,size\nA,{bed.Sim.BaseUrl}/inputs/a.png,Grey backdrop A,{size}\nB,{bed.Sim.BaseUrl}/inputs/b.png,Grey backdrop B,{size}\n";
        await bed.ImportAsync(csv, defaults: new Manifests.ManifestDefaults(Provider: provider));
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        Assert.Equal([provider], await bed.ScalarAsync<string[]>("select array_agg(distinct provider) from items"));
        Assert.Equal(2, bed.Sim.State.TotalSubmits); // the simulator saw them through this provider's protocol
        Assert.Equal(2, Directory.GetFiles(bed.StorageRoot, "*.png", SearchOption.AllDirectories).Length);
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from usage_ledger where credits > 0 or cost_usd > 0"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from outputs where inline_b64 is not null")); // inline outputs are cleared once stored
    }
}
