using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// `failures` groups what did not succeed by cause, on the real binary after a real run; `retry --cause` acts on every
/// item of one group and on nothing else, however many items it holds.
/// </summary>
public sealed class FailureCauseTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _csvs = Directory.CreateTempSubdirectory("batch-editor-failures-");

    public void Dispose() => _csvs.Delete(recursive: true);

    private string Write(string content)
    {
        var path = Path.Combine(_csvs.FullName, $"manifest-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Failures_are_grouped_by_cause_and_a_retry_of_one_group_moves_only_that_group()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        // 1–2: the provider's content policy; 3: an input image it could not download; 4: done without an image; 5–6 fine.
        var csv = Write(Csv.Manifest(6, i => i switch { <= 2 => "[sim:fail]", 3 => "[sim:badinput]", 4 => "[sim:empty]", _ => "" }));
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "causes")).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        var failures = await Cli.RunAsync(env, Timeout, "failures", "causes", "--json");
        Assert.Equal(0, failures.ExitCode);
        var groups = JsonDocument.Parse(failures.Stdout).RootElement.EnumerateArray()
            .ToDictionary(g => g.GetProperty("cause").GetString()!, g => g.GetProperty("items").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["moderation"] = 2, ["input-unreachable"] = 1, ["empty-output"] = 1 }, groups);
        var table = await Cli.RunAsync(env, Timeout, "failures", "causes");
        Assert.Contains("batch-editor retry causes --cause moderation", table.Stdout);
        // One group's export: its items only.
        var export = await Cli.RunAsync(env, Timeout, "results", "causes", "--cause", "moderation", "--json");
        Assert.Equal(["SKU-0001", "SKU-0002"], JsonDocument.Parse(export.Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()!).Order().ToArray());

        var retry = await Cli.RunAsync(env, Timeout, "retry", "causes", "--cause", "moderation");
        Assert.Equal(0, retry.ExitCode);
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from items where run = 2"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items where run = 2 and row_id not in ('SKU-0001', 'SKU-0002')"));

        var wrong = await Cli.RunAsync(env, Timeout, "retry", "causes", "--cause", "gremlins");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("not a cause; one of possibly-billed", wrong.Stderr + wrong.Stdout);

        // The API groups and acts alike.
        await using var web = await bed.StartWebAsync();
        var (status, body) = await web.GetAsync("/api/manifests/causes/failures");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Contains(JsonDocument.Parse(body).RootElement.EnumerateArray(), g => g.GetProperty("cause").GetString() == "empty-output");
        var (retried, result) = await web.PostAsync("/api/manifests/causes/retry?cause=empty-output", "", "text/plain");
        Assert.Equal(System.Net.HttpStatusCode.OK, retried);
        Assert.Equal(1, JsonDocument.Parse(result).RootElement.GetProperty("moved").GetInt32());
        Assert.Equal("SKU-0004", await bed.ScalarAsync<string>("select row_id from items where run = 2 and row_id not in ('SKU-0001', 'SKU-0002')"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await web.PostAsync("/api/manifests/causes/retry?cause=gremlins", "", "text/plain")).Status);

        // The manifest's page lists what is left by cause, each group with a confirmed retry of all of it.
        var (_, page) = await web.GetAsync("/dashboard/manifests/causes");
        Assert.Contains("Did not succeed, by cause", page);
        Assert.Contains("data-cause=\"input-unreachable\"", page);
        Assert.Contains("Retry all 1 Failed item(s) of", page);
        Assert.DoesNotContain("data-cause=\"empty-output\"", page);

        // A group retried with a new prompt: a new run with that prompt, never a recopy.
        var reprompt = JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "retry", "causes", "--cause", "input-unreachable", "--prompt", "Fixed prompt", "--json")).Stdout).RootElement;
        Assert.Equal((1, 0), (reprompt.GetProperty("resubmitted").GetInt32(), reprompt.GetProperty("recopied").GetInt32()));
        Assert.Equal("Fixed prompt", await bed.ScalarAsync<string>("select prompt from items where row_id = 'SKU-0003' and run = 2 and state = 'Pending'"));
    }

    [Fact]
    public async Task A_retry_of_one_cause_acts_on_all_ten_thousand_of_its_items_in_one_command()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(1)), "--name", "big")).ExitCode);
        var manifest = await bed.ScalarAsync<Guid>("select id from manifests where name = 'big'");
        // 10,000 items that failed because their input could not be fetched, and 500 refused by the content policy.
        await bed.ExecAsync(
            """
            insert into items (manifest_id, row_id, line, provider, model, prompt, image_urls, state, reason, finished_at)
            select $1, 'R-' || g, g + 1, 'pixeldojo', 'gpt-image-2-edit', 'p', '{https://img.example.com/x.jpg}', 'Failed',
                   case when g <= 10000 then '400 from pixeldojo: could not download image_url https://img.example.com/x.jpg: 404 Not Found'
                        else 'pixeldojo job job_1 failed: Content policy violation' end, now()
            from generate_series(1, 10500) g
            """, manifest);

        var groups = JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "failures", "big", "--json")).Stdout).RootElement.EnumerateArray()
            .ToDictionary(g => g.GetProperty("cause").GetString()!, g => g.GetProperty("items").GetInt64());
        Assert.Equal(10_000, groups["input-unreachable"]);
        Assert.Equal(500, groups["moderation"]);

        var retry = await Cli.RunAsync(env, Timeout, "retry", "big", "--cause", "input-unreachable", "--json");
        Assert.Equal(0, retry.ExitCode);
        Assert.Equal(10_000, JsonDocument.Parse(retry.Stdout).RootElement.GetProperty("resubmitted").GetInt32());
        Assert.Equal(10_000L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Pending' and run = 2"));
        Assert.Equal(500L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Failed'"));
    }
}
