using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Sample first, on the real binary: `submit --sample` runs a few items spread across a column and holds the rest;
/// `approve` releases the rest; `reject --prompt` runs the sample again with a new prompt (paid again) and gives the
/// held rest the same prompt.
/// </summary>
public sealed class SampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _csvs = Directory.CreateTempSubdirectory("batch-editor-sample-");

    public void Dispose() => _csvs.Delete(recursive: true);

    private string Write(string content)
    {
        var path = Path.Combine(_csvs.FullName, $"manifest-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Rows SKU-1…n, each with a title and a category (a, a, b, b, c, c, a, b, …).</summary>
    private string Catalogue(int rows, Func<int, string> category) => Write("id,image_url,prompt,title,category\n" + string.Join("\n",
        Enumerable.Range(1, rows).Select(i => $"SKU-{i},https://img.example.com/{i}.jpg,Put product {i} on grey,Product {i},{category(i)}")) + "\n");

    [Fact]
    public async Task A_sample_spread_across_a_column_runs_first_and_approval_releases_the_rest()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = Catalogue(10, i => i <= 4 ? "a" : i <= 8 ? "b" : "c");

        var submit = await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "cat", "--sample", "3", "--sample-by", "category");
        Assert.Equal(0, submit.ExitCode);
        Assert.Contains("A sample of 3 item(s) across its category values runs first; the other 7 are held until `batch-editor approve cat`", submit.Stdout);
        Assert.Equal(3L, await bed.ScalarAsync<long>("select count(distinct row_data ->> 'category') from items where in_sample"));
        Assert.Equal(7L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Held' and reason like 'awaiting approval of the sample%'"));

        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode); // idle, the rest held
        Assert.Equal(3L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded' and in_sample"));

        var approve = await Cli.RunAsync(env, Timeout, "approve", "cat");
        Assert.Equal(0, approve.ExitCode);
        Assert.Contains("sample approved", approve.Stdout);
        Assert.Contains("7 held item(s) released", approve.Stdout);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal(10L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));

        var again = await Cli.RunAsync(env, Timeout, "approve", "cat");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("approved already", again.Stdout);
    }

    [Fact]
    public async Task A_rejected_sample_runs_again_with_the_new_prompt_paid_again_and_the_rest_takes_it_too()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Catalogue(6, _ => "a"), "--name", "rej", "--sample", "2")).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        var reject = await Cli.RunAsync(env, Timeout, "reject", "rej", "--prompt", "Studio shot of {title}", "--json");
        Assert.Equal(0, reject.ExitCode);
        var outcome = JsonDocument.Parse(reject.Stdout).RootElement;
        Assert.Equal((2, 4), (outcome.GetProperty("rerun").GetInt32(), outcome.GetProperty("reprompted").GetInt32()));
        Assert.Equal(6L, await bed.ScalarAsync<long>("select count(*) from items where prompt = 'Studio shot of Product ' || substr(row_id, 5)"));
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from items where in_sample and run = 2 and state = 'Pending'"));
        Assert.Equal(4L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Held' and reason like 'awaiting approval of the sample%'"));

        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        // Both runs of each sample item are on the ledger: a new prompt is a new edit, paid for.
        Assert.Equal(2L, await bed.ScalarAsync<long>(
            "select count(*) from (select item_id from usage_ledger l join items i on i.id = l.item_id where i.in_sample and l.kind = 'charge' group by item_id having count(distinct l.run) = 2) t"));

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "approve", "rej")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal(6L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
        var late = await Cli.RunAsync(env, Timeout, "reject", "rej", "--prompt", "again");
        Assert.Equal(2, late.ExitCode);
        Assert.Contains("no sample awaiting approval", late.Stdout);
    }

    [Fact]
    public async Task A_schedule_that_requires_approval_runs_the_sample_at_night_and_the_rest_after_approval()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var drop = Directory.CreateDirectory(Path.Combine(_csvs.FullName, "drop"));
        File.Copy(Catalogue(8, i => i % 2 == 0 ? "shirts" : "caps"), Path.Combine(drop.FullName, "tonight.csv"));
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "add", "nightly", "--cron", "0 2 * * *", "--time-zone", "UTC",
            "--source", drop.FullName, "--sample", "25%", "--sample-by", "category")).ExitCode);

        // The night: the schedule fires, the sample runs, the rest waits.
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "run-now", "nightly")).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal((2L, 6L), (await bed.ScalarAsync<long>("select count(*) from items where in_sample and state = 'Succeeded'"),
            await bed.ScalarAsync<long>("select count(*) from items where state = 'Held'")));
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(distinct row_data ->> 'category') from items where in_sample"));

        // The morning: a person approves.
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "approve", "tonight")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal(8L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
    }
}
