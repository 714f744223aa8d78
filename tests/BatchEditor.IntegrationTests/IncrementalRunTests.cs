using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>Incremental runs: rows asking for an edit already done are not sent again; their outputs are reused.</summary>
public sealed class IncrementalRunTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _drop = Directory.CreateTempSubdirectory("batch-editor-drop-");

    public void Dispose() => _drop.Delete(recursive: true);

    /// <summary>A store's nightly export: the same four products, stamped with the night it was exported.</summary>
    private static string Export(string simUrl, string night, string skuTwoPrompt = "Put it on white") =>
        "id,image_url,prompt,exported_at\n" + string.Join("", Enumerable.Range(1, 4).Select(i =>
            $"SKU-{i},{simUrl}/inputs/sku-{i}.png,{(i == 2 ? skuTwoPrompt : "Put it on white")},{night}\n"));

    [Fact]
    public async Task A_nightly_schedule_over_an_unchanged_export_submits_nothing_the_second_night_and_only_the_changed_rows_after_an_edit()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var sim = bed.Sim.State;
        async Task<Cli.Result> NightAsync(string night, string content)
        {
            await File.WriteAllTextAsync(Path.Combine(_drop.FullName, $"{night}.csv"), content);
            var run = await Cli.RunAsync(env, Timeout, "schedule", "run-now", "nightly");
            Assert.True(run.ExitCode == 0, run.ToString());
            var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
            Assert.True(worker.ExitCode == 0, worker.ToString());
            return run;
        }

        var add = await Cli.RunAsync(env, Timeout, "schedule", "add", "nightly", "--cron", "0 0 2 * * ?", "--time-zone", "UTC",
            "--source", _drop.FullName, "--only-changed");
        Assert.True(add.ExitCode == 0, add.ToString());

        var first = await NightAsync("night1", Export(bed.Sim.BaseUrl, "2026-12-07"));
        Assert.Contains("night1.csv: imported: manifest night1: 4 item(s)", first.Stdout);
        Assert.Equal(4, sim.TotalSubmits);

        // The second night's export differs only in its export stamp: nothing is sent, each input fetched once to compare.
        var fetchesBefore = sim.InputFetches.ToDictionary(f => f.Key, f => f.Value);
        await File.WriteAllTextAsync(Path.Combine(_drop.FullName, "night2.csv"), Export(bed.Sim.BaseUrl, "2026-12-08"));
        var second = await Cli.RunAsync(env, Timeout, "schedule", "run-now", "nightly");
        Assert.Contains("night2.csv: imported: manifest night2: 4 item(s); 4 unchanged since an earlier run (their outputs reused, nothing sent)", second.Stdout);
        Assert.All(Enumerable.Range(1, 4), i => Assert.Equal(fetchesBefore.GetValueOrDefault($"sku-{i}") + 1, sim.InputFetches[$"sku-{i}"]));
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal(4, sim.TotalSubmits);
        Assert.Equal(4L, await bed.ScalarAsync<long>(
            "select count(*) from items i join manifests m on m.id = i.manifest_id where m.name = 'night2' and i.state = 'Succeeded' and i.reused_from is not null"));
        // Their results point at the first night's stored outputs, and say so.
        Assert.True(await bed.ScalarAsync<bool>("""
            select bool_and(o2.location = o1.location) and count(*) = 4 from items i2
            join manifests m2 on m2.id = i2.manifest_id and m2.name = 'night2'
            join outputs o2 on o2.item_id = i2.id and o2.state = 'Stored'
            join outputs o1 on o1.item_id = i2.reused_from and o1.ordinal = o2.ordinal and o1.state = 'Stored'
            """));
        var results = await Cli.RunAsync(env, Timeout, "results", "night2");
        Assert.Contains("SKU-1,Succeeded,\"unchanged since an earlier run", results.Stdout);
        Assert.Contains(",pixeldojo,,night1,", results.Stdout);
        Assert.Equal(0m, await bed.ScalarAsync<decimal>(
            "select coalesce(sum(l.credits), 0) from usage_ledger l join manifests m on m.id = l.manifest_id where m.name = 'night2'"));
        // The dashboard says so, on the manifest and on each item.
        await using (var web = await bed.StartWebAsync())
        {
            var (_, manifestPage) = await web.GetAsync("/dashboard/manifests/night2");
            Assert.Contains("4 row(s) were unchanged since an earlier run", manifestPage);
            var item = await bed.ScalarAsync<long>("select i.id from items i join manifests m on m.id = i.manifest_id where m.name = 'night2' and i.row_id = 'SKU-1'");
            var (_, itemPage) = await web.GetAsync($"/dashboard/items/{item}");
            Assert.Contains("which succeeded earlier: its stored outputs are this item's, nothing was sent", itemPage);
        }

        // The third night: SKU-2's prompt changed and SKU-3's photo was re-shot under the same URL; only those two run.
        sim.InputEdits["sku-3"] = 1;
        var third = await NightAsync("night3", Export(bed.Sim.BaseUrl, "2026-12-09", skuTwoPrompt: "Put it on grey"));
        Assert.Contains("night3.csv: imported: manifest night3: 4 item(s); 2 unchanged", third.Stdout);
        Assert.Equal(6, sim.TotalSubmits);
        Assert.Equal(["SKU-2", "SKU-3"], await bed.ScalarAsync<string[]>(
            "select array_agg(i.row_id order by i.row_id) from items i join manifests m on m.id = i.manifest_id where m.name = 'night3' and i.reused_from is null"));
        Assert.Equal(4L, await bed.ScalarAsync<long>(
            "select count(*) from items i join manifests m on m.id = i.manifest_id where m.name = 'night3' and i.state = 'Succeeded'"));

        // `submit --only-changed` compares the same way: the third night's file again, under another name, runs nothing.
        var again = Path.Combine(_drop.FullName, "..", $"again-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(again, Export(bed.Sim.BaseUrl, "2026-12-09", skuTwoPrompt: "Put it on grey"));
        try
        {
            var submit = await Cli.RunAsync(env, Timeout, "submit", again, "--only-changed", "--force", "--name", "again");
            Assert.Contains("Only changed rows run; 4 unchanged since an earlier run", submit.Stdout);
        }
        finally
        {
            File.Delete(again);
        }
    }

    [Fact]
    public async Task A_row_whose_input_cannot_be_fetched_is_not_compared_but_sent()
    {
        await using var bed = await TestBed.StartAsync();
        var csv = Path.Combine(_drop.FullName, "gone.csv");
        await File.WriteAllTextAsync(csv, $"id,image_url,prompt\nGONE,{bed.Sim.BaseUrl}/nothing-here/gone.png,Brighten\n");
        var submit = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "submit", csv, "--only-changed");
        Assert.Equal(0, submit.ExitCode);
        Assert.Contains("1 could not be compared (line 2: input image could not be downloaded: 404", submit.Stdout);
        Assert.Equal("Pending", await bed.ScalarAsync<string>("select state from items"));
    }
}
