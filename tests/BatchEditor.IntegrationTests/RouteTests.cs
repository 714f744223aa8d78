using BatchEditor.Engine;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;
using BatchEditor.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>Routes: an ordered list of providers per row; waiting items move on when one cannot take work.</summary>
public class RouteTests
{
    private static string Rows(int count, string prefix = "R") =>
        "id,image_url,prompt\n" + string.Join("", Enumerable.Range(1, count).Select(i => $"{prefix}-{i:000},https://img.example.com/{i}.jpg,Retouch product {i}\n"));

    [Fact]
    public async Task When_the_first_providers_breaker_opens_midway_every_item_succeeds_once_on_one_provider_or_the_next_and_the_ledger_matches_both()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "10";
        bed.Settings["Providers:Fal:MaxConcurrency"] = "10";
        bed.Settings["Providers:PixelDojo:BreakerFailures"] = "3";
        bed.Settings["Providers:PixelDojo:BreakerCooldown"] = "00:10:00";
        bed.Settings["Worker:RouteInterval"] = "00:00:00.500";
        await bed.ImportAsync(Rows(200), defaults: new ManifestDefaults(Route: "pixeldojo,fal"));

        using var host = bed.BuildHost(worker: true);
        await host.StartAsync();
        try
        {
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) >= 50 from items where state = 'Succeeded'"), TimeSpan.FromSeconds(60), "50 done on pixeldojo");
            bed.Sim.State.Outages["pixeldojo"] = true; // from now on every submit to pixeldojo is refused with 503, nothing created
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) = 200 from items where state = 'Succeeded'"), TimeSpan.FromSeconds(120), "every item done");
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.True(await bed.ScalarAsync<bool>("select open_until > now() from provider_breakers where provider = 'pixeldojo'"), "pixeldojo's breaker opened");
        var byProvider = await bed.RowsAsync("select provider, count(*) from items group by provider order by provider");
        Assert.Equal(["fal", "pixeldojo"], byProvider.Select(r => (string)r[0]).ToArray());
        Assert.All(byProvider, r => Assert.True((long)r[1] >= 10, $"{r[0]} served {r[1]}"));

        // None twice: one job per item at the simulator, all on the provider the item names.
        var jobs = bed.Sim.State.Jobs.Values.ToList();
        Assert.Equal(200, jobs.Count);
        Assert.Equal(200, jobs.Select(j => j.Prompt).Distinct().Count());
        foreach (var provider in new[] { "pixeldojo", "fal" })
        {
            var served = await bed.ScalarAsync<long>("select count(*) from items where provider = $1", provider);
            Assert.Equal(served, jobs.Count(j => j.Provider == provider));
            // The ledger: one charge per job, credits as the simulator charged them (fal bills dollars per image).
            Assert.Equal(served, await bed.ScalarAsync<long>("select count(*) from usage_ledger where provider = $1 and kind = 'charge'", provider));
            Assert.Equal(jobs.Where(j => j.Provider == provider).Sum(j => j.Credits),
                await bed.ScalarAsync<decimal>("select coalesce(sum(credits), 0) from usage_ledger where provider = $1", provider));
        }
        Assert.True(await bed.ScalarAsync<bool>("select count(distinct cost_usd) = 1 and min(cost_usd) > 0 from usage_ledger where provider = 'fal'"));

        // Each moved item says why, in its history and its results row.
        Assert.True(await bed.ScalarAsync<bool>(
            "select bool_and(routed like 'from pixeldojo: %') from items where provider = 'fal'"));
        Assert.True(await bed.ScalarAsync<bool>(
            "select exists (select 1 from item_history where reason = 'moved from pixeldojo to fal: circuit breaker open')"));
        var results = await Cli.RunAsync(bed.EnvironmentVariables(), TimeSpan.FromSeconds(60), "results", "test");
        Assert.Contains(",fal,from pixeldojo: circuit breaker open,,", results.Stdout);
    }

    [Fact]
    public async Task Import_checks_a_row_against_every_choice_keeps_those_that_can_take_it_and_says_which_cannot()
    {
        await using var bed = await TestBed.StartAsync();
        using var host = bed.BuildHost();
        var reader = host.Services.GetRequiredService<ManifestReader>();
        var csv = """
            id,image_url,prompt,mask_url,n
            PLAIN,https://img.example.com/1.jpg,Brighten,,
            MASKED,https://img.example.com/2.jpg,Brighten,https://img.example.com/2-mask.png,
            """;
        var report = new ReadReport();
        var rows = reader.Stream(new StringReader(csv), new ManifestDefaults(Route: "wavespeed,fal"), report).ToList();
        Assert.Empty(report.Errors);
        Assert.Equal(["wavespeed:openai/gpt-image-2/edit", "fal:openai/gpt-image-2/edit"], rows[0].Route!);
        Assert.Equal("wavespeed", rows[0].Provider);
        Assert.Equal(["fal:openai/gpt-image-2/edit"], rows[1].Route!); // wavespeed takes no mask
        Assert.Equal("fal", rows[1].Provider);
        var note = Assert.Single(report.RouteNotes());
        Assert.StartsWith("wavespeed cannot take 1 row (line 3: mask_url wavespeed's gpt-image edit endpoints take no mask)", note);

        // A row no choice can take is a problem of that row, each choice's reason given.
        var parsed = reader.Read(new StringReader(csv + "\nBOTH,https://img.example.com/3.jpg,Brighten,https://img.example.com/3-mask.png,5"),
            new ManifestDefaults(Route: "wavespeed,fal"));
        var error = Assert.Single(parsed.Errors);
        Assert.Equal((4, "route"), (error.Line, error.Column));
        Assert.Contains("wavespeed: mask_url", error.Message);
        Assert.Contains("fal: n fal num_images is 1 to 4", error.Message);
        Assert.Single(reader.Read(new StringReader(csv), new ManifestDefaults(Route: "pixeldojo,nosuch")).Errors.Where(e => e.Message.Contains("'nosuch' is not a provider")).Take(1));
    }

    [Fact]
    public async Task A_refusal_that_proves_nothing_was_created_sends_the_item_to_the_next_choice_instead_of_failing_it()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("REFUSED-1", "Crop [sim:badinput]"), defaults: new ManifestDefaults(Route: "pixeldojo,fal"));
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        var item = Assert.Single(await bed.ItemsAsync());
        Assert.Equal("Succeeded", item.State);
        Assert.Equal("fal", await bed.ScalarAsync<string>("select provider from items"));
        Assert.StartsWith("from pixeldojo: ", await bed.ScalarAsync<string>("select routed from items"));
        Assert.Equal("rejected", await bed.ScalarAsync<string>("select outcome from provider_attempts where provider = 'pixeldojo'"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from usage_ledger where provider = 'pixeldojo'"));
    }

    [Fact]
    public async Task A_paused_provider_moves_its_waiting_items_on_but_never_one_that_may_have_been_billed()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Rows(3), defaults: new ManifestDefaults(Route: "pixeldojo,fal"));
        // R-001 was sent once and its answer never settled (it may have been billed), then handed back to Pending.
        await bed.ExecAsync("""
            insert into provider_attempts (item_id, provider, worker, sent_at, run)
            select id, 'pixeldojo', 'w1', now(), run from items where row_id = 'R-001'
            """);
        using var host = bed.BuildHost(worker: true);
        await host.Services.GetRequiredService<ProviderPauses>().PauseAsync("pixeldojo", "operator", "invoice dispute", CancellationToken.None);

        var moved = await host.Services.GetRequiredService<RouteMover>().MoveOnceAsync(CancellationToken.None);

        Assert.Equal(2, moved);
        var rows = await bed.RowsAsync("select row_id, provider, routed from items order by row_id");
        Assert.Equal(("R-001", "pixeldojo"), ((string)rows[0][0], (string)rows[0][1]));
        Assert.Equal(DBNull.Value, rows[0][2]);
        Assert.All(rows.Skip(1), r => Assert.Equal(("fal", "from pixeldojo: paused (operator: invoice dispute)"), ((string)r[1], (string)r[2])));
        Assert.Equal(0, await host.Services.GetRequiredService<RouteMover>().MoveOnceAsync(CancellationToken.None)); // nothing left to move
    }
}
