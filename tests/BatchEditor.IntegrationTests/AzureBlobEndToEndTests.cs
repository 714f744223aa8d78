using Azure.Storage.Blobs.Models;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BatchEditor.IntegrationTests;

/// <summary>Whole batches with <c>Storage__Kind=AzureBlob</c> against a real Azurite.</summary>
public class AzureBlobEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly HttpClient Http = new();

    private static void UseAzurite(TestBed bed, AzuriteServer azurite, string container)
    {
        bed.Settings["Storage:Kind"] = "AzureBlob";
        bed.Settings["Storage:ConnectionString"] = azurite.ConnectionString;
        bed.Settings["Storage:Container"] = container;
    }

    [Fact]
    public async Task A_batch_lands_in_the_container_with_type_md5_and_metadata_and_results_give_signed_links()
    {
        await using var bed = await TestBed.StartAsync();
        var azurite = await AzuriteServer.Shared;
        UseAzurite(bed, azurite, "catalogue");
        var env = bed.EnvironmentVariables();
        var csv = Path.Combine(bed.StorageRoot, "m.csv");
        await File.WriteAllTextAsync(csv, Csv.Manifest(6));

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "spring")).ExitCode);
        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.True(worker.ExitCode == 0, worker.ToString());
        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));

        var container = azurite.Client().GetBlobContainerClient("catalogue");
        await using (var cmd = bed.Db.CreateCommand(
            "select o.blob_name, o.md5, o.location, i.row_id, i.provider_job_id from outputs o join items i on i.id = o.item_id where o.state = 'Stored'"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            var count = 0;
            while (await r.ReadAsync())
            {
                count++;
                BlobProperties blob = await container.GetBlobClient(r.GetString(0)).GetPropertiesAsync();
                Assert.Equal("image/png", blob.ContentType);
                Assert.Equal(r.GetString(1), Convert.ToBase64String(blob.ContentHash));
                // Named by the manifest's id (a name can be reused by another database or installation), labelled with its name.
                var manifestId = await bed.ScalarAsync<Guid>("select id from manifests where name = 'spring'");
                Assert.StartsWith($"http://127.0.0.1:{azurite.Port}/devstoreaccount1/catalogue/{manifestId:N}/", r.GetString(2), StringComparison.Ordinal);
                Assert.Equal(("spring", manifestId.ToString("N"), r.GetString(3), "1", "pixeldojo", r.GetString(4)),
                    (blob.Metadata["manifest"], blob.Metadata["manifestid"], blob.Metadata["item"], blob.Metadata["run"], blob.Metadata["provider"], blob.Metadata["providerjob"]));
                Assert.Equal(64, blob.Metadata["prompthash"].Length);
            }
            Assert.Equal(6, count);
        }

        // Read back by a second, independent client (Microsoft's JavaScript one): the same type, stored MD5, metadata and
        // bytes, and the stored MD5 is the bytes' own.
        var stored = await bed.ScalarAsync<string[]>("select array_agg(blob_name || ' ' || md5 || ' ' || size_bytes order by blob_name collate \"C\") from outputs where state = 'Stored'");
        var all = await azurite.ReadWithJavaScriptClientAsync("catalogue");
        // The contact sheets' thumbnails are kept beside the outputs, under .thumbnails/ (outside every manifest's folder): one per output.
        var thumbnails = all.Where(b => b.Name.StartsWith(".thumbnails/", StringComparison.Ordinal)).ToList();
        Assert.Equal(stored.Select(s => $".thumbnails/{s.Split(' ')[0]}.jpg").Order(StringComparer.Ordinal), thumbnails.Select(b => b.Name).Order(StringComparer.Ordinal));
        Assert.All(thumbnails, b => Assert.Equal("image/jpeg", b.ContentType));
        var read = all.Except(thumbnails).ToList();
        Assert.Equal(stored, read.Select(b => $"{b.Name} {b.ContentMd5} {b.Length}").Order(StringComparer.Ordinal).ToArray());
        Assert.All(read, b =>
        {
            Assert.Equal("image/png", b.ContentType);
            Assert.Equal(b.ContentMd5, b.BytesMd5);
            Assert.Equal("spring", b.Metadata["manifest"]);
        });

        var resultsFile = Path.Combine(bed.StorageRoot, "results.csv");
        var results = await Cli.RunAsync(env, Timeout, "results", "spring", "-o", resultsFile, "--signed-urls", "24h");
        Assert.True(results.ExitCode == 0, results.ToString());
        var lines = await File.ReadAllLinesAsync(resultsFile);
        Assert.StartsWith("id,state,reason,provider,routed,reused_from,provider_job,outputs,credits,cost_usd,cost_estimated,signed_urls (until ", lines[0], StringComparison.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            // The last field; quoted, as CSV requires, when the link holds a comma (spr=https,http for the local emulator).
            var link = line.EndsWith('"') ? line[(line.LastIndexOf(",\"", StringComparison.Ordinal) + 2)..^1] : line.Split(',')[^1];
            var sas = new Azure.Storage.Blobs.BlobUriBuilder(new Uri(link)).Sas;
            Assert.Equal(("r", "b"), (sas.Permissions, sas.Resource)); // read, this one blob
            var png = await Http.GetByteArrayAsync(link);
            Assert.Equal(Imaging.ImageKind.Png, Imaging.ImageKind.Sniff(png));
        }

        var bad = await Cli.RunAsync(env, Timeout, "results", "spring", "--signed-urls", "forever");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("not a duration", bad.Stderr + bad.Stdout);
    }

    [Fact]
    public async Task Azurite_stopped_mid_batch_and_started_again_loses_and_duplicates_nothing()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var bed = await TestBed.StartAsync();
        UseAzurite(bed, azurite, "outage");
        const int items = 24;
        // Staggered jobs, so that some outputs are stored before the outage and most after it.
        await bed.ImportAsync(Csv.Manifest(items, i => $"[sim:latency={(i % 8) * 0.5 + 0.3}s]"), name: "outage");

        using var host = bed.BuildHost(worker: true, o => o.UntilIdle = true);
        await host.Services.GetRequiredService<IBlobStore>().EnsureReadyAsync(CancellationToken.None); // as `worker` does at start
        var run = host.RunAsync();
        await WaitFor(bed, async () => await bed.ScalarAsync<long>("select count(*) from outputs where state = 'Stored'") >= 3);
        await azurite.StopAsync();
        // The outage is visible on the items, and waited out until the outputs expire rather than counted as failed copies.
        await WaitFor(bed, async () => await bed.ScalarAsync<long>("select count(*) from items where reason like '%storage failed%outputs are kept until%'") >= 1);
        await azurite.StartAgainAsync();
        if (await Task.WhenAny(run, Task.Delay(Timeout)) != run)
            throw new TimeoutException("the worker did not finish after Azurite came back: " + await Describe(bed));

        Assert.Equal(["Succeeded"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        Assert.Equal((long)items, await bed.ScalarAsync<long>("select count(*) from outputs where state = 'Stored'"));
        Assert.Equal(items, bed.Sim.State.TotalSubmits); // retried copies never re-submitted an edit
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items where copy_attempts > 0"));
        var container = azurite.Client().GetBlobContainerClient("outage");
        await using var cmd = bed.Db.CreateCommand("select blob_name, md5 from outputs");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            Assert.Equal(r.GetString(1), Convert.ToBase64String((await container.GetBlobClient(r.GetString(0)).GetPropertiesAsync()).Value.ContentHash));
    }

    private static async Task WaitFor(TestBed bed, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("condition not met in time; items: " + await Describe(bed));
            await Task.Delay(100);
        }
    }

    private static async Task<string> Describe(TestBed bed) =>
        string.Join("; ", (await bed.ItemsAsync()).Select(i => $"{i.RowId} {i.State} {i.Reason}"));
}
