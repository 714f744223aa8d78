using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>The real `batch-editor` binary as separate processes against real PostgreSQL and the simulator.</summary>
public sealed class CliEndToEndTests : IDisposable
{
    private readonly DirectoryInfo _csvs = Directory.CreateTempSubdirectory("batch-editor-csv-");

    public void Dispose() => _csvs.Delete(recursive: true);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Submit_then_worker_until_idle_stores_every_output_and_results_lists_them()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = WriteTemp(Csv.Manifest(8));

        var submit = await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "e2e");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        Assert.Contains("Imported 8 item(s) as manifest 'e2e'", submit.Stdout);

        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.True(worker.ExitCode == 0, worker.ToString());
        Assert.Contains("Summary:\n  e2e: 8 item(s): 8 Succeeded; $0.40 · 40 credits\n", worker.Stdout); // reported by the provider: not estimated

        Assert.All(await bed.ItemsAsync(), i => Assert.Equal("Succeeded", i.State));
        var manifestId = await bed.ScalarAsync<Guid>("select id from manifests where name = 'e2e'");
        Assert.Equal(8, Directory.GetFiles(Path.Combine(bed.StorageRoot, manifestId.ToString("N")), "*.png", SearchOption.AllDirectories).Length);
        Assert.Equal(40m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger"));
        Assert.Equal(32L, await bed.ScalarAsync<long>("select count(*) from item_history"));

        var resultsFile = Path.Combine(bed.StorageRoot, "results.csv");
        var results = await Cli.RunAsync(env, Timeout, "results", "e2e", "-o", resultsFile);
        Assert.True(results.ExitCode == 0, results.ToString());
        var lines = await File.ReadAllLinesAsync(resultsFile);
        Assert.Equal("id,state,reason,provider,routed,reused_from,provider_job,outputs,credits,cost_usd,cost_estimated", lines[0]);
        Assert.Equal(9, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Contains(",Succeeded,", l));
        var outputs = Array.IndexOf(lines[0].Split(','), "outputs");
        Assert.All(lines.Skip(1), l => Assert.True(File.Exists(l.Split(',')[outputs]), l));

        var status = await Cli.RunAsync(env, Timeout, "status", "e2e");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("Succeeded", status.Stdout);
        Assert.Contains("cost: $0.40 · 40 credits\nNothing needs attention.", status.Stdout);
        var list = await Cli.RunAsync(env, Timeout, "manifests");
        Assert.Matches(@"│ e2e\s+│ \d{4}-\d\d-\d\d \d\d:\d\d\s+│\s+8 │\s+8 │\s+8 │ \$0\.40 · 40 credits\s+│", list.Stdout);
        Assert.Contains("no manifest named 'nope' (`batch-editor manifests` lists them)", (await Cli.RunAsync(env, Timeout, "status", "nope")).Stderr);
        var statusJson = await Cli.RunAsync(env, Timeout, "status", "e2e", "--json");
        var manifest = Assert.Single(System.Text.Json.JsonDocument.Parse(statusJson.Stdout).RootElement.EnumerateArray());
        Assert.Equal((8, 40m), (manifest.GetProperty("counts").GetProperty("Succeeded").GetInt32(), manifest.GetProperty("spend").GetProperty("credits").GetDecimal()));

        // Where every credit went: booked beside the providers' estimate for the same items.
        var usage = await Cli.RunAsync(env, Timeout, "usage", "--by", "manifest", "--json");
        Assert.True(usage.ExitCode == 0, usage.ToString());
        var row = Assert.Single(System.Text.Json.JsonDocument.Parse(usage.Stdout).RootElement.EnumerateArray());
        Assert.Equal(("e2e", 8), (row.GetProperty("key").GetString(), row.GetProperty("items").GetInt32()));
        Assert.Equal((40m, 40m, 0m, 0m), (row.GetProperty("estimated").GetProperty("credits").GetDecimal(), row.GetProperty("booked").GetProperty("credits").GetDecimal(),
            row.GetProperty("bookedWithoutProviderReport").GetProperty("credits").GetDecimal(), row.GetProperty("difference").GetProperty("credits").GetDecimal()));
        // A clean stop leaves no Hangfire server registered behind it, and the next worker starts without complaint.
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from hangfire.server"));
        var again = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("warn", again.Stdout + again.Stderr);
        var byDay = await Cli.RunAsync(env, Timeout, "usage", "--by", "day", "--format", "csv", "--since", "1d");
        Assert.Equal($"{DateTime.UtcNow:yyyy-MM-dd},8,40,0.4,40,0.4,0,,0,0,0,0", byDay.Stdout.Split('\n')[1].Trim());
    }

    [Fact]
    public async Task An_invalid_manifest_exits_3_names_line_and_column_and_imports_nothing()
    {
        await using var bed = await TestBed.StartAsync();
        var csv = WriteTemp("id,image_url,prompt,n\nA,https://img.example.com/a.jpg,ok,1\nB,not-a-url,ok,1\nA,https://img.example.com/c.jpg,,12\n");

        var submit = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "submit", csv);

        Assert.True(submit.ExitCode == 3, submit.ToString());
        Assert.Contains("line 3, column image_url: 'not-a-url' is not an http(s) URL", submit.Stderr);
        Assert.Contains("line 4, column prompt: is empty", submit.Stderr);
        Assert.Contains("line 4, column n: '12' is not a whole number from 1 to 10", submit.Stderr);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from manifests"));

        var skip = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "submit", csv, "--skip-invalid");
        Assert.True(skip.ExitCode == 0, skip.ToString());
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from items"));
    }

    [Fact]
    public async Task A_problem_with_the_command_line_is_reported_once_as_such()
    {
        await using var bed = await TestBed.StartAsync();
        var unknown = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "submit", WriteTemp(Csv.Manifest(500)), "--provider", "dalle9");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("error: --provider 'dalle9' is not a provider BatchEditor knows (pixeldojo, gptimageapi, gmicloud, wavespeed, fal, openai)",
            unknown.Stderr.Trim());
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from manifests"));
    }

    [Fact]
    public async Task The_worker_logs_each_state_change_that_matters_and_a_progress_line_per_manifest_as_json_if_asked()
    {
        await using var bed = await TestBed.StartAsync(new ProviderSim.SimulatorOptions { JobLatency = TimeSpan.FromSeconds(1) });
        var env = bed.EnvironmentVariables();
        env["Logging__LogLevel__Default"] = "Information";
        env["Logging__Console__FormatterName"] = "json";
        env["Worker__ProgressInterval"] = "00:00:00.500";
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", WriteTemp(Csv.Manifest(3) + "SKU-0004,https://img.example.com/4.jpg,[sim:fail] no,1:1\n"),
            "--name", "logged")).ExitCode);

        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");

        Assert.Equal(6, worker.ExitCode);
        var lines = worker.Stdout.Split('\n').Where(l => l.StartsWith('{')).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        var failed = Assert.Single(lines, l => l.GetProperty("EventId").GetInt32() == 100 && l.GetProperty("State").GetProperty("ToState").GetString() == "Failed");
        Assert.Equal("Warning", failed.GetProperty("LogLevel").GetString());
        Assert.Equal("pixeldojo", failed.GetProperty("State").GetProperty("Provider").GetString());
        Assert.True(failed.GetProperty("State").GetProperty("ItemId").GetInt64() > 0);
        Assert.Contains(lines, l => l.GetProperty("EventId").GetInt32() == 200 && l.GetProperty("State").GetProperty("Manifest").GetString() == "logged");
    }

    [Fact]
    public async Task The_same_file_twice_is_refused_with_exit_4_unless_forced()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = WriteTemp(Csv.Manifest(2));

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv)).ExitCode);
        var again = await Cli.RunAsync(env, Timeout, "submit", csv);
        Assert.True(again.ExitCode == 4, again.ToString());
        Assert.Contains("already imported", again.Stderr);
        var forced = await Cli.RunAsync(env, Timeout, "submit", csv, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(4L, await bed.ScalarAsync<long>("select count(*) from items"));
    }

    [Fact]
    public async Task Two_worker_processes_share_a_batch_and_never_run_the_same_step_twice()
    {
        // 1 s jobs and at most 8 in flight: the batch lasts several seconds, so both workers take part
        // even when one starts a few seconds after the other on a cold machine.
        await using var bed = await TestBed.StartAsync(new ProviderSim.SimulatorOptions { JobLatency = TimeSpan.FromSeconds(1), ImageScale = 0.25 });
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "8";
        var env = bed.EnvironmentVariables();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", WriteTemp(Csv.Manifest(40)))).ExitCode);

        var workers = await Task.WhenAll(
            Cli.RunAsync(env, Timeout, "worker", "--until-idle", "--concurrency", "4"),
            Cli.RunAsync(env, Timeout, "worker", "--until-idle", "--concurrency", "4"));

        Assert.All(workers, w => Assert.True(w.ExitCode == 0, w.ToString()));
        Assert.All(await bed.ItemsAsync(), i => Assert.Equal("Succeeded", i.State));
        Assert.Equal(40, bed.Sim.State.TotalSubmits);
        Assert.Equal(40, bed.Sim.State.Jobs.Count);
        // One history row per transition per item: no step ran twice.
        Assert.Equal(0L, await bed.ScalarAsync<long>(
            "select count(*) from (select item_id, to_state from item_history group by 1, 2 having count(*) > 1) d"));
        Assert.Equal(0L, await bed.ScalarAsync<long>(
            "select count(*) from (select item_id, ordinal from outputs group by 1, 2 having count(*) > 1) d"));
        Assert.Equal(200m, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger"));
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(distinct actor) from item_history"));
    }

    [Fact]
    public async Task Until_idle_stops_and_names_the_key_when_the_items_left_need_a_provider_without_one()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", WriteTemp(Csv.Manifest(2)), "--provider", "wavespeed", "--name", "ws")).ExitCode);
        env.Remove("Providers__WaveSpeed__ApiKey");

        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");

        Assert.Equal(2, worker.ExitCode);
        Assert.Contains("items wait for providers that have no API key here: 2 for wavespeed (set Providers__WaveSpeed__ApiKey)", worker.Stderr);
        Assert.Equal(0, bed.Sim.State.TotalSubmits);
    }

    [Fact]
    public async Task A_cost_that_is_our_estimate_says_so_wherever_it_is_shown()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", WriteTemp(Csv.Manifest(2)), "--provider", "wavespeed", "--name", "ws")).ExitCode);

        var worker = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        var status = await Cli.RunAsync(env, Timeout, "status", "ws");
        var budget = await Cli.RunAsync(env, Timeout, "budget", "ws");

        Assert.True(worker.ExitCode == 0, worker.ToString());
        foreach (var output in new[] { worker.Stdout, status.Stdout, budget.Stdout })
            Assert.Contains("(estimated in part); a provider reported no cost for some items: its published price stands in", output);
        Assert.DoesNotContain("\u001b[", status.Stdout); // redirected output: no colour codes, no wrapping that splits a line
    }

    [Fact]
    public async Task A_worker_that_cannot_use_its_database_says_why_in_one_line_and_exits_5()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var empty = new Npgsql.NpgsqlConnectionStringBuilder(bed.ConnectionString).Database + "_empty";
        await bed.ExecAsync($"create database \"{empty}\"");
        var unmigrated = new Npgsql.NpgsqlConnectionStringBuilder(bed.ConnectionString) { Database = empty }.ConnectionString;
        var unreachable = new Npgsql.NpgsqlConnectionStringBuilder(bed.ConnectionString) { Port = 1, Timeout = 3 }.ConnectionString;

        foreach (var (connection, message) in new[]
                 {
                     (unmigrated, "the database is not set up"),
                     (unreachable, "cannot reach PostgreSQL (ConnectionStrings__BatchEditor)"),
                 })
        {
            var worker = await Cli.RunAsync(new Dictionary<string, string>(env) { ["ConnectionStrings__BatchEditor"] = connection }, Timeout, "worker", "--until-idle");
            Assert.True(worker.ExitCode == 5, worker.ToString());
            Assert.Contains(message, worker.Stderr);
            Assert.DoesNotContain("Hangfire", worker.Stdout + worker.Stderr);
            Assert.True(worker.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 2, worker.Stderr);
        }
    }

    private string WriteTemp(string content)
    {
        var path = Path.Combine(_csvs.FullName, $"manifest-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }
}
