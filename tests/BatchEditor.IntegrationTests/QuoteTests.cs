using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.ProviderSim;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// `quote` and `submit --dry-run` on the real binary: every row priced by its provider, nothing queued, the same
/// problems `submit` would report, the finish time from what the providers' jobs have taken, and what budgets would
/// hold back — each checked against what a real run of the same file then does.
/// </summary>
public sealed class QuoteTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _csvs = Directory.CreateTempSubdirectory("batch-editor-quote-");

    public void Dispose() => _csvs.Delete(recursive: true);

    private string Write(string content)
    {
        var path = Path.Combine(_csvs.FullName, $"manifest-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Six rows on two providers (three of them at high quality, priced higher by gptimageapi).</summary>
    private static string MixedProviders() =>
        "id,image_url,prompt,provider,quality\n" +
        string.Join("\n", Enumerable.Range(1, 6).Select(i =>
            $"SKU-{i},https://img.example.com/{i}.jpg,Put product {i} on white,{(i % 2 == 0 ? "gptimageapi" : "pixeldojo")},{(i <= 3 ? "high" : "medium")}")) + "\n";

    private static JsonElement Json(Cli.Result result) => JsonDocument.Parse(result.Stdout).RootElement;

    [Fact]
    public async Task A_quote_queues_nothing_and_its_cost_per_provider_is_what_the_run_then_books()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = Write(MixedProviders());

        var quote = await Cli.RunAsync(env, Timeout, "quote", csv, "--json");
        var dryRun = await Cli.RunAsync(env, Timeout, "submit", csv, "--dry-run");

        Assert.Equal(0, quote.ExitCode);
        Assert.Equal(0, dryRun.ExitCode);
        Assert.Contains("nothing was queued", dryRun.Stdout);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from manifests"));
        var quoted = Json(quote).GetProperty("providers").EnumerateArray()
            .ToDictionary(p => p.GetProperty("provider").GetString()!, p => (Items: p.GetProperty("items").GetInt32(), Credits: p.GetProperty("cost").GetProperty("credits").GetDecimal()));
        Assert.Equal([("gptimageapi", 3), ("pixeldojo", 3)], quoted.Select(q => (q.Key, q.Value.Items)).OrderBy(q => q.Key));

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv)).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        foreach (var (provider, (items, credits)) in quoted)
        {
            var booked = await bed.ScalarAsync<decimal>("select coalesce(sum(credits), 0) from usage_ledger where provider = $1", provider);
            Assert.True(booked > 0, $"{provider} booked nothing");
            Assert.True(Math.Abs(booked - credits) <= credits * 0.05m, $"{provider}: quoted {credits} credits, booked {booked}");
        }
    }

    [Fact]
    public async Task A_routed_quote_prices_each_later_choice_and_a_routed_submit_says_which_choices_cannot_take_which_rows()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = Write("id,image_url,prompt,mask_url\n" +
                        "PLAIN-1,https://img.example.com/1.jpg,Brighten,\n" +
                        "PLAIN-2,https://img.example.com/2.jpg,Brighten,\n" +
                        "MASKED,https://img.example.com/3.jpg,Brighten,https://img.example.com/3-mask.png\n");

        var quote = await Cli.RunAsync(env, Timeout, "quote", csv, "--route", "wavespeed,fal", "--json");
        Assert.Equal(0, quote.ExitCode);
        var json = Json(quote);
        Assert.Equal([("fal", 1), ("wavespeed", 2)], json.GetProperty("providers").EnumerateArray()
            .Select(p => (p.GetProperty("provider").GetString()!, p.GetProperty("items").GetInt32())).OrderBy(p => p.Item1));
        var alternative = Assert.Single(json.GetProperty("alternatives").EnumerateArray());
        Assert.Equal(("fal", 2), (alternative.GetProperty("provider").GetString(), alternative.GetProperty("items").GetInt32()));
        var falPerItem = json.GetProperty("providers").EnumerateArray().Single(p => p.GetProperty("provider").GetString() == "fal").GetProperty("cost").GetProperty("usd").GetDecimal();
        Assert.Equal(2 * falPerItem, alternative.GetProperty("cost").GetProperty("usd").GetDecimal());
        Assert.Contains("Route: if their first choice cannot take work, 2 item(s) would move to fal at",
            (await Cli.RunAsync(env, Timeout, "quote", csv, "--route", "wavespeed,fal")).Stdout);

        var submit = await Cli.RunAsync(env, Timeout, "submit", csv, "--route", "wavespeed,fal");
        Assert.Equal(0, submit.ExitCode);
        Assert.Contains("Route: wavespeed cannot take 1 row (line 4: mask_url wavespeed's gpt-image edit endpoints take no mask); they go to their route's other choices.", submit.Stdout);
        var both = await Cli.RunAsync(env, Timeout, "submit", csv, "--route", "wavespeed,fal", "--model", "x", "--force");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--model goes with --provider; with --route name each choice's model in it", both.Stderr);
    }

    [Fact]
    public async Task A_file_that_would_not_import_gets_its_problems_and_no_quote()
    {
        await using var bed = await TestBed.StartAsync();
        var csv = Write("id,image_url,prompt,quality\nA,https://img.example.com/a.jpg,ok,ultra\nB,https://img.example.com/b.jpg,ok,low\n");

        foreach (var args in new[] { new[] { "quote", csv }, ["submit", csv, "--dry-run"] })
        {
            var result = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, args);
            Assert.Equal(3, result.ExitCode);
            Assert.Contains("line 2, column quality: 'ultra' is not low, medium, high or auto", result.Stderr);
            Assert.Contains("No quote", result.Stderr);
        }
        var json = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "quote", csv, "--json");
        Assert.Equal(3, json.ExitCode);
        Assert.Equal("quality", Json(json).GetProperty("problems")[0].GetProperty("column").GetString());
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from manifests"));
    }

    [Fact]
    public async Task The_finish_time_comes_from_the_jobs_learned_so_far_and_the_work_queued_ahead()
    {
        // Jobs of 1.5 s at the simulator; a cap of 2 in flight: waves of 2.
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromSeconds(1.5), ImageScale = 0.25 });
        var env = bed.EnvironmentVariables();
        env["Providers__PixelDojo__MaxConcurrency"] = "2";
        var before = Json(await Cli.RunAsync(env, Timeout, "quote", Write(Csv.Manifest(4)), "--json")).GetProperty("providers")[0];
        Assert.Equal(0, before.GetProperty("pace").GetProperty("learnedFrom").GetInt32());
        Assert.Equal(60.0, before.GetProperty("pace").GetProperty("jobTimeSeconds").GetDouble()); // the documented default

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(6)), "--name", "learn")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(3, i => "ahead")), "--name", "ahead")).ExitCode);

        var after = Json(await Cli.RunAsync(env, Timeout, "quote", Write(Csv.Manifest(4, i => "next")), "--json")).GetProperty("providers")[0];
        var pace = after.GetProperty("pace");
        Assert.Equal(6, pace.GetProperty("learnedFrom").GetInt32());
        var jobTime = pace.GetProperty("jobTimeSeconds").GetDouble();
        Assert.InRange(jobTime, 1.5, 4.0); // the simulator's 1.5 s, plus the submit and the poll that found it done
        Assert.Equal(3, after.GetProperty("queuedAhead").GetInt64());
        // 3 ahead + 4 new at 2 in flight: 4 waves.
        Assert.Equal(Math.Round(4 * jobTime, 1), after.GetProperty("finishSeconds").GetDouble(), 0.2);
    }

    [Fact]
    public async Task What_a_budget_would_hold_back_is_what_the_run_holds()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = Write(Csv.Manifest(5));
        var perItem = Json(await Cli.RunAsync(env, Timeout, "quote", csv, "--json")).GetProperty("total").GetProperty("credits").GetDecimal() / 5;
        var budget = (perItem * 2).ToString(System.Globalization.CultureInfo.InvariantCulture); // covers two items

        var quote = await Cli.RunAsync(env, Timeout, "quote", csv, "--budget-credits", budget);
        Assert.Contains("Budget: 3 item(s) would be held", quote.Stdout);
        Assert.Contains("covers 2 item(s)", quote.Stdout);

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--budget-credits", budget)).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode); // idle, with items held
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
        Assert.Equal(3L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Held'"));
    }

    [Fact]
    public async Task A_providers_day_budget_holds_back_what_today_has_no_room_for()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = Write(Csv.Manifest(4));
        var perItem = Json(await Cli.RunAsync(env, Timeout, "quote", csv, "--json")).GetProperty("total").GetProperty("credits").GetDecimal() / 4;
        env["Providers__PixelDojo__DailyBudgetCredits"] = (perItem * 3).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var quote = Json(await Cli.RunAsync(env, Timeout, "quote", csv, "--json"));

        var day = quote.GetProperty("providers")[0].GetProperty("dayBudget");
        Assert.Equal(1, day.GetProperty("heldItems").GetInt32());
        Assert.Contains("until 00:00 UTC", day.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_api_quotes_a_csv_body_and_refuses_a_bad_one_with_its_problems()
    {
        await using var bed = await TestBed.StartAsync();
        await using var web = await bed.StartWebAsync();

        var (status, body) = await web.PostAsync("/api/quotes?provider=pixeldojo", MixedProviders(), "text/csv");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var quote = JsonDocument.Parse(body).RootElement;
        Assert.Equal(6, quote.GetProperty("items").GetInt32());
        Assert.Equal(2, quote.GetProperty("providers").GetArrayLength());
        Assert.False(quote.GetProperty("queued").GetBoolean());

        var (refused, problems) = await web.PostAsync("/api/quotes", "id,image_url,prompt\nA,not-a-url,x\n", "text/csv");
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, refused);
        Assert.Equal("image_url", JsonDocument.Parse(problems).RootElement.GetProperty("problems")[0].GetProperty("column").GetString());
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from manifests"));
    }
}
