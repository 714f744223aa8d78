using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>What a new user meets after the demo, on the real binary: messages that say what happened and what to do next.</summary>
public sealed class FirstDayCliTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _csvs = Directory.CreateTempSubdirectory("batch-editor-csv-");

    public void Dispose() => _csvs.Delete(recursive: true);

    private string Write(string content)
    {
        var path = Path.Combine(_csvs.FullName, $"manifest-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task A_taken_name_is_a_usage_error_that_says_when_the_other_was_imported()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(1)), "--name", "spring-2027")).ExitCode);

        var again = await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(2)), "--name", "spring-2027");

        Assert.Equal(2, again.ExitCode);
        Assert.Matches(@"a manifest named 'spring-2027' already exists \(imported \d{4}-\d\d-\d\d \d\d:\d\d UTC\); choose another --name", again.Stderr);
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from manifests"));
    }

    [Fact]
    public async Task Problems_are_counted_by_the_rows_that_have_them_and_a_missing_column_hides_nothing()
    {
        await using var bed = await TestBed.StartAsync();
        var csv = Write("id,prompt,quality\nA,ok,ultra\nB,ok,low\nA,,high\n");

        var submit = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "submit", csv);

        Assert.Equal(3, submit.ExitCode);
        Assert.Contains("4 problems on 2 of 3 rows:", submit.Stderr);
        Assert.Contains("line 1, column image_url: required column is missing", submit.Stderr);
        Assert.Contains("line 2, column quality: 'ultra' is not low, medium, high or auto", submit.Stderr);
        Assert.Contains("line 4, column id: 'A' is already used on line 2; ids must be unique", submit.Stderr);
    }

    [Fact]
    public async Task Help_and_parse_errors_say_it_short()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();

        var since = await Cli.RunAsync(env, Timeout, "usage", "--since", "2w");
        Assert.Equal(2, since.ExitCode);
        Assert.Contains("'2w' is not a duration such as 24h or 7d", since.Stderr + since.Stdout);
        Assert.Contains("See `batch-editor usage --help`.", since.Stderr);
        Assert.DoesNotContain("Options:", since.Stdout + since.Stderr); // not the whole help page

        var usageHelp = await Cli.RunAsync(env, Timeout, "usage", "--help");
        Assert.Contains("(default 7d)", usageHelp.Stdout);
        Assert.DoesNotContain("7.00:00:00", usageHelp.Stdout);

        var resultsHelp = await Cli.RunAsync(env, Timeout, "results", "--help");
        Assert.Contains("Print JSON instead of CSV", resultsHelp.Stdout);
        Assert.DoesNotContain("instead of a table", resultsHelp.Stdout);

        var nested = await Cli.RunAsync(env, Timeout, "review", "resolve", "--bogus");
        Assert.Contains("See `batch-editor review resolve --help`.", nested.Stderr);
    }

    [Fact]
    public async Task Status_says_what_needs_attention_with_the_commonest_reasons_and_the_command_and_retry_says_a_worker_must_run()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var submit = await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(5, i => i <= 3 ? "[sim:fail]" : "")), "--name", "autumn");
        Assert.Contains("Outputs will be stored in " + Path.Combine(bed.StorageRoot, (await bed.ScalarAsync<Guid>("select id from manifests")).ToString("N")), submit.Stdout);
        Assert.Contains("No worker is running: start one with `batch-editor worker`", submit.Stdout);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        var status = await Cli.RunAsync(env, Timeout, "status", "autumn");

        Assert.Contains("needs attention:", status.Stdout);
        Assert.Contains("3 failed → batch-editor retry autumn", status.Stdout);
        var reason = await bed.ScalarAsync<string>("select reason from items where state = 'Failed' group by reason order by count(*) desc, reason limit 1");
        var count = await bed.ScalarAsync<long>("select count(*) from items where state = 'Failed' and reason = $1", reason);
        Assert.Contains($"{count} × {reason}", status.Stdout);
        var json = JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "status", "autumn", "--json")).Stdout).RootElement[0];
        var attention = Assert.Single(json.GetProperty("attention").EnumerateArray());
        Assert.Equal(("failed", 3, "batch-editor retry autumn"),
            (attention.GetProperty("what").GetString(), attention.GetProperty("items").GetInt32(), attention.GetProperty("command").GetString()));

        var retry = await Cli.RunAsync(env, Timeout, "retry", "autumn");
        Assert.Equal(0, retry.ExitCode);
        Assert.Contains("No worker is running: start one with `batch-editor worker`", retry.Stdout);
        var afterRetry = await Cli.RunAsync(env, Timeout, "status", "autumn");
        Assert.Contains("3 active, but no worker is running → batch-editor worker", afterRetry.Stdout);
    }

    [Fact]
    public async Task Credits_without_a_price_are_called_unpriced_and_never_pass_for_money()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        env.Remove("Providers__PixelDojo__CreditPriceUsd"); // the first batch runs before PixelDojo's credit price is set
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(2)), "--name", "before-price")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        env["Providers__PixelDojo__CreditPriceUsd"] = "0.01";
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Write(Csv.Manifest(2, _ => "again")), "--name", "after-price")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        Assert.Contains("cost: 10 credits (unpriced); set the provider's CreditPriceUsd to price its credits",
            (await Cli.RunAsync(env, Timeout, "status", "before-price")).Stdout);
        Assert.Contains("cost: $0.10 · 10 credits\n", (await Cli.RunAsync(env, Timeout, "status", "after-price")).Stdout);

        // Both batches on one provider: the money is the priced part's, the rest is named unpriced, and no money difference is made up.
        var table = await Cli.RunAsync(env, Timeout, "usage");
        Assert.Contains("$0.10 · 20 credits (10 unpriced)", table.Stdout);
        var usage = JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "usage", "--json")).Stdout).RootElement[0];
        Assert.Equal((20m, 0.10m, 10m), (usage.GetProperty("booked").GetProperty("credits").GetDecimal(), usage.GetProperty("booked").GetProperty("usd").GetDecimal(),
            usage.GetProperty("booked").GetProperty("unpricedCredits").GetDecimal()));
        Assert.Equal(JsonValueKind.Null, usage.GetProperty("difference").GetProperty("usd").ValueKind);
        Assert.Equal(0m, usage.GetProperty("difference").GetProperty("credits").GetDecimal());
    }
}
