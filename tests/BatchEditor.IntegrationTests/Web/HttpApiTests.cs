using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests.Web;

/// <summary>The HTTP API of a real <c>batch-editor web</c> process: the CLI's semantics over HTTP.</summary>
public class HttpApiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Submits_pages_exports_and_acts_with_the_semantics_of_the_cli()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        await using var web = await DashboardServer.StartAsync(env, ["web"]);
        var http = web.Http;

        // Uploads are imported by a job on a worker: with none running, the upload is stored and waits in Hangfire's queue.
        Assert.True((await http.PostAsJsonAsync("/api/providers/pixeldojo/pause", new { reason = "importing only" })).IsSuccessStatusCode);
        var bad = await http.PostAsync("/api/manifests?name=shop", new StringContent("id,image_url,prompt\nA,not-a-url,Grey\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.Accepted, bad.StatusCode);
        var badImport = bad.Headers.Location!.ToString();
        Assert.Equal("queued", (await http.GetFromJsonAsync<JsonElement>(badImport)).GetProperty("state").GetString());

        var csv = "id,image_url,prompt\nA,https://img.example.com/a.jpg,Grey A\nB,https://img.example.com/b.jpg,Grey B\nC,https://img.example.com/c.jpg,Recolour [sim:fail]\n";
        await using (WorkerProcess.Start(env))
        {
            var refused = default(JsonElement);
            await bed.WaitForAsync(async () => (refused = await http.GetFromJsonAsync<JsonElement>(badImport)).GetProperty("state").GetString() != "queued",
                what: "the worker's import of the queued upload");
            Assert.Equal("refused", refused.GetProperty("state").GetString());
            Assert.Contains("line 2", refused.GetProperty("problems")[0].GetString());
            Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items")); // all or nothing

            using var form = new MultipartFormDataContent { { new StringContent(csv, Encoding.UTF8, "text/csv"), "file", "shop.csv" } };
            var created = await http.PostAsync("/api/manifests?name=shop&wait=60", form);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            Assert.Equal(3, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetInt32());
            var again = await http.PostAsync("/api/manifests?wait=60", new StringContent(csv, Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("already imported as manifest 'shop'", await again.Content.ReadAsStringAsync());
            // Each import is a Hangfire job, with its file name, visible in its dashboard.
            Assert.Equal(3L, await bed.ScalarAsync<long>(
                "select count(*) from hangfire.job where statename = 'Succeeded' and invocationdata->>'Method' = 'ImportAsync'"));
        }
        Assert.True((await http.PostAsync("/api/providers/pixeldojo/resume", null)).IsSuccessStatusCode);
        // An import's outcome is kept for 30 days, then forgotten; an upload still queued never is.
        await bed.ExecAsync("insert into manifest_uploads (id, file_name, request, content) values (gen_random_uuid(), 'waiting.csv', '{}', '\\x00')");
        await bed.ExecAsync("update manifest_uploads set created_at = now() - interval '40 days', finished_at = now() - interval '31 days' where state <> 'queued'");
        using (var host = bed.BuildHost())
            Assert.Equal(3, await host.Services.GetRequiredService<Manifests.ManifestUploads>().ForgetFinishedAsync(CancellationToken.None));
        Assert.Equal("waiting.csv", await bed.ScalarAsync<string>("select string_agg(file_name, ',') from manifest_uploads"));

        var first = await http.GetFromJsonAsync<JsonElement>("/api/manifests/shop/items?limit=2");
        Assert.Equal(["A", "B"], first.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("rowId").GetString()!).ToArray());
        var next = first.GetProperty("next").GetInt64();
        var second = await http.GetFromJsonAsync<JsonElement>($"/api/manifests/shop/items?limit=2&after={next}");
        Assert.Equal("C", Assert.Single(second.GetProperty("rows").EnumerateArray()).GetProperty("rowId").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode); // one item fails on purpose
        var failed = await http.GetFromJsonAsync<JsonElement>("/api/items?state=Failed&q=recolour");
        var failedId = Assert.Single(failed.GetProperty("rows").EnumerateArray()).GetProperty("id").GetInt64();
        var summary = await http.GetFromJsonAsync<JsonElement>("/api/manifests/shop");
        Assert.Equal(2, summary.GetProperty("counts").GetProperty("Succeeded").GetInt64());
        Assert.True(summary.GetProperty("spent").GetProperty("credits").GetDecimal() > 0);

        var detail = await http.GetFromJsonAsync<JsonElement>($"/api/items/{failedId}");
        Assert.Contains(detail.GetProperty("history").EnumerateArray(), h => h.GetProperty("toState").GetString() == "Failed");
        Assert.NotEmpty(detail.GetProperty("attempts").EnumerateArray());

        var retried = await http.PostAsync($"/api/items/{failedId}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync($"/api/items/{failedId}/retry", null)).StatusCode); // guarded: it is Pending now
        Assert.Equal(("Pending", 2), (await bed.ScalarAsync<string>("select state from items where id = $1", failedId), await bed.ScalarAsync<int>("select run from items where id = $1", failedId)));
        Assert.Contains("web:local", await bed.ScalarAsync<string>("select actor from item_history where item_id = $1 order by id desc limit 1", failedId));

        var results = await http.GetStringAsync("/api/manifests/shop/results");
        Assert.StartsWith("id,state,reason", results);
        Assert.Contains("A,Succeeded", results);

        var succeeded = Assert.Single((await http.GetFromJsonAsync<JsonElement>("/api/items?q=Grey%20A")).GetProperty("rows").EnumerateArray());
        var output = await http.GetAsync($"/api/outputs/{succeeded.GetProperty("thumbnailOutputId").GetInt64()}/content");
        Assert.Equal(HttpStatusCode.OK, output.StatusCode);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await output.Content.ReadAsByteArrayAsync())[..4]);

        var openApi = await http.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/manifests", "/api/items/{id}", "/api/providers/{name}/pause", "/api/events" }) Assert.Contains($"\"{path}\"", openApi);
    }

    [Fact]
    public async Task A_paused_provider_gets_no_new_submissions_until_resumed()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        await using var web = await DashboardServer.StartAsync(env, ["web"]);
        Assert.True((await web.Http.PostAsJsonAsync("/api/providers/pixeldojo/pause", new { reason = "invoice dispute" })).IsSuccessStatusCode);
        await bed.ImportAsync(Csv.Manifest(3), name: "paused");

        await using (var worker = WorkerProcess.Start(env))
        {
            // The worker claims every 100 ms: give it twenty chances to submit what it must not.
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from workers where stopped_at is null") == 1, what: "the worker's heartbeat");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(0, bed.Sim.State.TotalSubmits);
            var providers = await web.Http.GetFromJsonAsync<JsonElement>("/api/providers");
            var pixeldojo = providers.EnumerateArray().Single(p => p.GetProperty("provider").GetString() == "pixeldojo");
            Assert.Equal("invoice dispute", pixeldojo.GetProperty("pause").GetProperty("reason").GetString());

            Assert.True((await web.Http.PostAsync("/api/providers/pixeldojo/resume", null)).IsSuccessStatusCode);
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'") == 3, what: "the resumed provider's items");
            Assert.Equal(3, bed.Sim.State.TotalSubmits);
            var workers = await web.Http.GetFromJsonAsync<JsonElement>("/api/workers");
            Assert.Equal(worker.Pid, Assert.Single(workers.EnumerateArray()).GetProperty("pid").GetInt32());
        }
    }

    [Fact]
    public async Task An_action_on_a_large_manifest_runs_as_a_hangfire_job_on_a_worker()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        env["Jobs__InlineActionItems"] = "3";
        await using var web = await DashboardServer.StartAsync(env, ["web"]);
        Assert.True((await web.Http.PostAsJsonAsync("/api/providers/pixeldojo/pause", new { reason = "holding only" })).IsSuccessStatusCode);
        await bed.ImportAsync(Csv.Manifest(3), name: "small");
        await bed.ImportAsync(Csv.Manifest(8, _ => " large"), name: "large");

        // Few items: done within the request, with the count.
        var small = await web.Http.PostAsync("/api/manifests/small/hold", null);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(3, (await small.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("moved").GetInt32());

        // More than the limit: a job in Hangfire's "operations" queue, done by a worker's Hangfire server.
        var large = await web.Http.PostAsync("/api/manifests/large/hold", null);
        Assert.Equal(HttpStatusCode.Accepted, large.StatusCode);
        var job = (await large.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString();
        Assert.Equal($"/hangfire/jobs/details/{job}", large.Headers.Location!.ToString());
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items i join manifests m on m.id = i.manifest_id where m.name = 'large' and i.state = 'Held'"));
        // Both while the worker runs: the items are held a moment before the job is marked done, and a worker stopped in
        // between leaves the job to the next one.
        await using (WorkerProcess.Start(env))
        {
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>(
                "select count(*) from items i join manifests m on m.id = i.manifest_id where m.name = 'large' and i.state = 'Held'") == 8, what: "the hold job");
            await bed.WaitForAsync(async () => await bed.ScalarAsync<string>("select statename from hangfire.job where id = $1", long.Parse(job!)) == "Succeeded",
                what: "the job's success");
        }
        Assert.Contains("8 item(s) held", await bed.ScalarAsync<string>("select data::text from hangfire.state where jobid = $1 and name = 'Succeeded'", long.Parse(job!)));
        Assert.Equal("web:local", await bed.ScalarAsync<string>(
            "select h.actor from item_history h join items i on i.id = h.item_id join manifests m on m.id = i.manifest_id where m.name = 'large' order by h.id desc limit 1"));
    }

    [Fact]
    public async Task A_search_too_broad_for_the_index_scans_a_bounded_window_per_page_and_says_so()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        env["Dashboard__Search__IndexBudget"] = "00:00:00"; // as if every indexed search ran out of time
        env["Dashboard__Search__Window"] = "5";
        await bed.ImportAsync(Csv.Manifest(12, i => i is 3 or 11 ? "with a needle" : ""), name: "hay");
        await using var web = await DashboardServer.StartAsync(env, ["web"]);

        var found = new List<string>();
        var partialPages = 0;
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await web.Http.GetFromJsonAsync<JsonElement>($"/api/manifests/hay/items?q=needle&after={cursor}");
            found.AddRange(page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("rowId").GetString()!));
            if (page.GetProperty("partial").GetBoolean()) partialPages++;
            after = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetInt64();
        }
        Assert.Equal(["SKU-0003", "SKU-0011"], found);
        Assert.Equal(2, partialPages); // items 1–5 and 6–10; the page of 11–12 reached the end

        var html = await web.Http.GetStringAsync("/dashboard/manifests/hay?q=needle");
        Assert.Contains("A broad search", html);
        Assert.Contains("Search further", html);
    }

    [Fact]
    public async Task Items_are_found_by_manifest_name_and_what_is_not_there_says_so_in_words()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(2), name: "autumn-2027");
        await using var web = await DashboardServer.StartAsync(bed.EnvironmentVariables(), ["web"]);
        var id = await bed.ScalarAsync<Guid>("select id from manifests");

        var byName = await web.Http.GetFromJsonAsync<JsonElement>("/api/items?manifest=autumn-2027");
        Assert.Equal(2, byName.GetProperty("rows").GetArrayLength());
        var byFolderId = await web.Http.GetFromJsonAsync<JsonElement>($"/api/items?manifest={id:N}&state=pending");
        Assert.Equal(2, byFolderId.GetProperty("rows").GetArrayLength());

        async Task<(HttpStatusCode, string)> Get(string path)
        {
            using var response = await web.Http.GetAsync(path);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        Assert.Equal((HttpStatusCode.NotFound, "\"no manifest named 'spring' (GET /api/manifests lists them)\""), await Get("/api/items?manifest=spring"));
        Assert.Equal((HttpStatusCode.NotFound, "\"no item 424242 (GET /api/items finds items)\""), await Get("/api/items/424242"));
        var (badState, why) = await Get("/api/items?state=Done");
        Assert.Equal(HttpStatusCode.BadRequest, badState);
        Assert.Contains("state 'Done' is not one of Pending,", why);
        var (page, html) = await Get("/dashboard/items/424242");
        Assert.Equal(HttpStatusCode.NotFound, page);
        Assert.Contains("There is no item 424242", html);
        Assert.Contains("href=\"/dashboard/items\"", html);
        var (manifestPage, manifestHtml) = await Get("/dashboard/manifests/spring");
        Assert.Equal(HttpStatusCode.NotFound, manifestPage);
        Assert.Contains("There is no manifest named &#x27;spring&#x27;", manifestHtml);
    }

    [Fact]
    public async Task A_web_host_with_another_storage_root_says_where_it_looked_for_an_output()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(1));
        await bed.RunWorkerUntilIdleAsync(Timeout);
        var output = await bed.ScalarAsync<long>("select id from outputs where state = 'Stored'");
        var elsewhere = Directory.CreateTempSubdirectory("batch-editor-test-other-root-");
        try
        {
            var env = bed.EnvironmentVariables();
            env["Storage__Root"] = elsewhere.FullName; // not the workers' folder
            await using var web = await DashboardServer.StartAsync(env, ["web"]);

            using var response = await web.Http.GetAsync($"/api/outputs/{output}/content");

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var why = await response.Content.ReadAsStringAsync();
            Assert.Contains($"but this host's store has nothing at {elsewhere.FullName}/", why);
            Assert.Contains("does this host use the same Storage__Root (or container) as the workers?", why);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }
}
