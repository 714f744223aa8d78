using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// `submit --deadline` on the real binary: OpenAI items go through the Batch API on the simulator at half price, and a
/// batch that would miss its deadline is cancelled and what it did not run is sent synchronously — each edit paid once.
/// </summary>
public sealed class OpenAiBatchRunTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _csvs = Directory.CreateTempSubdirectory("batch-editor-batch-");

    public void Dispose() => _csvs.Delete(recursive: true);

    private string Write(string simUrl, params string[] rows)
    {
        var path = Path.Combine(_csvs.FullName, $"batch-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "id,image_url,prompt,size,quality\n" +
            string.Join("", rows.Select((prompt, i) => $"{prompt.Split(' ')[0]},{simUrl}/inputs/p{i}.png,{prompt},1024x1024,low\n")));
        return path;
    }

    /// <summary>As the ledger keeps dollars: six decimals, halves away from zero (PostgreSQL's numeric).</summary>
    private static decimal AsBooked(decimal usd) => Math.Round(usd, 6, MidpointRounding.AwayFromZero);

    private static void Batches(TestBed bed)
    {
        bed.Settings["Batches:Interval"] = "00:00:00.300";
        bed.Settings["Batches:MinWait"] = "00:00:01";
    }

    [Fact]
    public async Task A_deadline_run_goes_through_the_batch_api_at_half_price_and_stores_every_output()
    {
        await using var bed = await TestBed.StartAsync();
        Batches(bed);
        var env = bed.EnvironmentVariables();
        var rows = Enumerable.Range(1, 6).Select(i => $"SKU-{i} Put product {i} on white").ToArray();

        var batched = await Cli.RunAsync(env, Timeout, "submit", Write(bed.Sim.BaseUrl, rows), "--provider", "openai", "--deadline", "24h", "--name", "batched");
        Assert.True(batched.ExitCode == 0, batched.ToString());
        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.True(worker.ExitCode == 0, worker.ToString());

        Assert.Equal(6L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded' and provider_job_id like 'item-%'"));
        Assert.Equal("completed", await bed.ScalarAsync<string>("select status from provider_batches"));
        Assert.StartsWith("completed: 6 completed, 0 refused, 0 not run", await bed.ScalarAsync<string>("select detail from provider_batches"));
        Assert.Single(bed.Sim.State.Batches);
        Assert.Equal(6, bed.Sim.State.Jobs.Count);
        Assert.Equal(6L, await bed.ScalarAsync<long>("select count(*) from outputs where state = 'Stored'"));
        await using (var web = await bed.StartWebAsync())
            Assert.Contains("completed: 6 completed, 0 refused, 0 not run", (await web.GetAsync("/dashboard/providers")).Body);

        // The same rows sent synchronously cost twice as much, row by row: the ledger books batch prices.
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(bed.Sim.BaseUrl, rows), "--provider", "openai", "--name", "sync", "--force")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        var costs = await bed.RowsAsync("""
            select i.row_id, m.name, sum(l.cost_usd) from usage_ledger l join items i on i.id = l.item_id join manifests m on m.id = i.manifest_id
            group by i.row_id, m.name order by 1, 2
            """);
        Assert.Equal(12, costs.Count);
        foreach (var pair in costs.Chunk(2))
        {
            Assert.Equal(("batched", "sync"), ((string)pair[0][1], (string)pair[1][1]));
            Assert.Equal(AsBooked((decimal)pair[1][2] / 2), (decimal)pair[0][2]);
        }
        Assert.Single(bed.Sim.State.Batches); // the synchronous run made none
    }

    [Fact]
    public async Task A_batch_that_would_miss_its_deadline_is_cancelled_and_what_it_did_not_run_is_sent_on_its_own_once()
    {
        await using var bed = await TestBed.StartAsync();
        Batches(bed);
        // Items wait for a batch for 6 s (deadline 16 s, margin 10 s): time for a worker to start and make it.
        bed.Settings["Providers:OpenAI:BatchDeadlineMargin"] = "00:00:10";
        var env = bed.EnvironmentVariables();
        var csv = Write(bed.Sim.BaseUrl, "FAST-1 Crop one", "FAST-2 Crop two", "FAST-3 Crop three", "SLOW-1 Crop four [sim:batchslow]", "SLOW-2 Crop five [sim:batchslow]");

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--provider", "openai", "--deadline", "16s")).ExitCode);
        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.True(worker.ExitCode == 0, worker.ToString());

        Assert.Equal(5L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
        Assert.Equal("cancelled", await bed.ScalarAsync<string>("select status from provider_batches"));
        Assert.StartsWith("cancelled: 3 completed, 0 refused, 2 not run", await bed.ScalarAsync<string>("select detail from provider_batches"));
        // Each edit paid once: the fast ones in the batch, the slow ones on their own.
        Assert.Equal(5, bed.Sim.State.Jobs.Count);
        Assert.Equal(5, bed.Sim.State.Jobs.Values.Select(j => j.Prompt).Distinct().Count());
        Assert.Equal(["SLOW-1", "SLOW-2"], await bed.ScalarAsync<string[]>("select array_agg(row_id order by row_id) from items where provider_job_id is null or provider_job_id not like 'item-%'"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items where state = 'NeedsReview'"));
        Assert.True(await bed.ScalarAsync<bool>("""
            select bool_and(h.reason like 'openai batch % cancelled before running it (batch_cancelled); it is sent on its own now')
            from item_history h join items i on i.id = h.item_id where i.row_id like 'SLOW-%' and h.from_state = 'Running' and h.to_state = 'Pending'
            """));
        // The ledger: the fast ones at the batch price, the slow ones at the synchronous price once (their batch estimate refunded).
        static decimal SyncPrice(string prompt) => ((prompt.Length / 4 + 1) * 5m + 323 * 8m + 1024 * 1024 / 600 * 30m) / 1_000_000m; // the simulator's usage, gpt-image-2
        foreach (var row in await bed.RowsAsync("select i.row_id, i.prompt, sum(l.cost_usd), bool_or(l.kind = 'refund') from items i join usage_ledger l on l.item_id = i.id group by i.row_id, i.prompt"))
        {
            var (rowId, prompt, paid, refunded) = ((string)row[0], (string)row[1], (decimal)row[2], (bool)row[3]);
            Assert.Equal(AsBooked(rowId.StartsWith("SLOW", StringComparison.Ordinal) ? SyncPrice(prompt) : SyncPrice(prompt) / 2), paid);
            Assert.Equal(rowId.StartsWith("SLOW", StringComparison.Ordinal), refunded);
        }
    }

    [Fact]
    public async Task A_line_that_arrives_for_an_item_already_sent_on_its_own_is_booked_and_shown_for_review()
    {
        // The batch's cancel takes longer than the deadline allows: its items leave it and are sent on their own; the line
        // it had already run arrives when it finally ends — billed, so booked on the batch attempt and listed by review.
        await using var bed = await TestBed.StartAsync(new ProviderSim.SimulatorOptions
        {
            JobLatency = TimeSpan.FromMilliseconds(300), ImageScale = 0.25, BatchFinalizing = TimeSpan.FromSeconds(6),
        });
        Batches(bed);
        bed.Settings["Providers:OpenAI:BatchDeadlineMargin"] = "00:00:10";
        bed.Settings["Batches:CancelWait"] = "00:00:01";
        var env = bed.EnvironmentVariables();
        var csv = Write(bed.Sim.BaseUrl, "FAST-1 Crop one", "SLOW-1 Crop two [sim:batchslow]");

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--provider", "openai", "--deadline", "16s")).ExitCode);
        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.True(worker.ExitCode == 0, worker.ToString());

        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
        Assert.StartsWith("cancelled: 0 completed, 0 refused, 0 not run (sent on their own), 1 arrived for items that had left it",
            await bed.ScalarAsync<string>("select detail from provider_batches"));
        // FAST-1 ran twice (in the batch, then on its own): both are on the ledger, and the batch's is open for a person.
        Assert.Equal(2, bed.Sim.State.Jobs.Values.Count(j => j.Prompt == "FAST-1 Crop one"));
        Assert.Equal("late", await bed.ScalarAsync<string>("""
            select a.outcome from provider_attempts a join items i on i.id = a.item_id where i.row_id = 'FAST-1' and a.provider_job_id like 'batch_%/item-%'
            """));
        var review = await Cli.RunAsync(env, Timeout, "review");
        Assert.Contains("FAST-1", review.Stdout);
        Assert.Contains("late answer kept: 1 output(s) from openai batch", review.Stdout);
        Assert.DoesNotContain("SLOW-1", review.Stdout);
    }

    [Fact]
    public async Task A_manifest_budget_holds_for_batches_at_the_batch_price()
    {
        await using var bed = await TestBed.StartAsync();
        Batches(bed);
        var env = bed.EnvironmentVariables();
        var rows = Enumerable.Range(1, 6).Select(i => $"B-{i} Put product {i} on white").ToArray();
        // At the batch estimate (half the synchronous one) the budget covers three items; at the synchronous one, one.
        var quote = System.Text.Json.JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "quote", Write(bed.Sim.BaseUrl, rows[..1]), "--provider", "openai", "--json")).Stdout);
        var syncEstimate = quote.RootElement.GetProperty("total").GetProperty("usd").GetDecimal();
        var budget = (syncEstimate / 2 * 3.5m).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(bed.Sim.BaseUrl, rows), "--provider", "openai", "--deadline", "24h", "--budget-usd", budget)).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode); // done, but not everything Succeeded: some are held

        Assert.Equal(3, await bed.ScalarAsync<int>("select items from provider_batches"));
        Assert.Equal(3L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
        Assert.Equal(3L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Held' and reason like 'held: manifest %''s budget %'"));
        Assert.Equal(3, bed.Sim.State.Jobs.Count);
    }
}
