using BatchEditor.Engine;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BatchEditor.IntegrationTests;

/// <summary>Nightly schedules that import a folder's new files, start times, and submit windows.</summary>
public sealed class ScheduleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _drop = Directory.CreateTempSubdirectory("batch-editor-drop-");

    public void Dispose() => _drop.Delete(recursive: true);

    private const string ShopifyExport = """
        Handle,Title,Vendor,Type,Tags,Image Src,Image Position,Variant Image
        linen-shirt,Linen Shirt,Acme,Shirts,summer,https://img.example.com/ls-front.jpg,1,
        linen-shirt,,,,,https://img.example.com/ls-back.jpg,2,https://img.example.com/ls-front.jpg
        wool-cap,Wool Cap,Acme,Hats,winter,https://img.example.com/cap.jpg,1,
        """;

    [Fact]
    public async Task A_schedule_imports_each_new_file_of_its_folder_once_and_records_what_it_refused()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        await File.WriteAllTextAsync(Path.Combine(_drop.FullName, "products_export.csv"), ShopifyExport);
        await File.WriteAllTextAsync(Path.Combine(_drop.FullName, "broken.csv"), "Handle,Title,Vendor,Image Src\n,No handle,Acme,https://img.example.com/x.jpg\n");

        var add = await Cli.RunAsync(env, Timeout, "schedule", "add", "nightly", "--cron", "0 0 2 * * ?", "--time-zone", "Europe/Berlin",
            "--source", _drop.FullName, "--prompt", "Put the {Title} by {Vendor} on white", "--window", "02:00-06:00", "--budget-credits", "100");
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("next: ", add.Stdout);

        var first = await Cli.RunAsync(env, Timeout, "schedule", "run-now", "nightly");
        Assert.Equal(ExitCodesInvalidManifest, first.ExitCode);
        Assert.Contains("products_export.csv: imported: manifest products_export: 3 item(s)", first.Stdout);
        Assert.Contains("broken.csv: refused: 1 problem on 1 of 1 row, nothing imported: line 2, column Handle: is empty", first.Stdout);

        // The same content under another name, and the same files again: nothing new.
        File.Copy(Path.Combine(_drop.FullName, "products_export.csv"), Path.Combine(_drop.FullName, "products_export (1).csv"));
        var second = await Cli.RunAsync(env, Timeout, "schedule", "run-now", "nightly");
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("No new files.", second.Stdout);
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from manifests"));
        Assert.Equal(["linen-shirt-1", "linen-shirt-2", "wool-cap-1"], await bed.ScalarAsync<string[]>("select array_agg(row_id order by line, row_id) from items"));
        // The imported manifest carries the schedule's settings.
        Assert.Equal("02:00:00-06:00:00 Europe/Berlin 100", await bed.ScalarAsync<string>(
            "select window_start::text || '-' || window_end::text || ' ' || window_time_zone || ' ' || budget_credits::int from manifests"));

        var list = await Cli.RunAsync(env, Timeout, "schedule", "list");
        Assert.Contains("nightly: \"0 2 * * *\" Europe/Berlin", list.Stdout); // the Quartz expression it was given, as crontab
        Assert.Contains(": no new files", list.Stdout); // what the last fire did
        var listed = Assert.Single(System.Text.Json.JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "schedule", "list", "--json")).Stdout).RootElement.EnumerateArray());
        Assert.Equal(("nightly", "Scheduled", 100m, "schedule:nightly"), (listed.GetProperty("name").GetString(), listed.GetProperty("state").GetString(),
            listed.GetProperty("settings").GetProperty("budgetCredits").GetDecimal(), listed.GetProperty("recurringJobId").GetString()));
        Assert.Equal("imported,refused", await bed.ScalarAsync<string>("select string_agg(outcome, ',' order by outcome) from schedule_files"));
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from hangfire.hash where key = 'recurring-job:schedule:nightly' and field = 'Cron'"));
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "pause", "nightly")).ExitCode);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from hangfire.hash where key = 'recurring-job:schedule:nightly'"));
        Assert.Contains("nightly: \"0 2 * * *\" Europe/Berlin, source", (await Cli.RunAsync(env, Timeout, "schedule", "list")).Stdout);
        Assert.Contains(", Paused;", (await Cli.RunAsync(env, Timeout, "schedule", "list")).Stdout);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "resume", "nightly")).ExitCode);
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from hangfire.hash where key = 'recurring-job:schedule:nightly' and field = 'Cron'"));
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "remove", "nightly")).ExitCode);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from hangfire.hash where key = 'recurring-job:schedule:nightly'"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from schedules"));
    }

    private const int ExitCodesInvalidManifest = 3;

    [Fact]
    public async Task A_schedule_can_take_its_files_from_a_blob_container_prefix()
    {
        await using var bed = await TestBed.StartAsync();
        var azurite = await AzuriteServer.Shared;
        bed.Settings["Storage:ConnectionString"] = azurite.ConnectionString; // the account; outputs stay on the file system
        var container = azurite.Client().GetBlobContainerClient($"drop{Guid.NewGuid():N}"[..20]);
        await container.CreateAsync();
        Task PutAsync(string name, string content) => container.UploadBlobAsync(name, BinaryData.FromString(content));
        await PutAsync("nightly/products_export.csv", ShopifyExport);
        await PutAsync("nightly/readme.txt", "not a manifest");
        await PutAsync("nightly/old/archived.csv", Csv.Manifest(1)); // deeper than the prefix: not this schedule's
        await PutAsync("elsewhere.csv", Csv.Manifest(1));

        var env = bed.EnvironmentVariables();
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "add", "blobs", "--cron", "0 0 2 * * ?", "--source", $"blob:{container.Name}/nightly/",
            "--prompt", "{Title} on white")).ExitCode);
        var run = await Cli.RunAsync(env, Timeout, "schedule", "run-now", "blobs");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("nightly/products_export.csv: imported: manifest products_export: 3 item(s)", run.Stdout.Trim());
        Assert.Contains("No new files.", (await Cli.RunAsync(env, Timeout, "schedule", "run-now", "blobs")).Stdout);
    }

    [Fact]
    public async Task A_schedule_configured_once_runs_tonights_shopify_export_inside_its_window_and_budget_then_calls_the_webhook()
    {
        await using var bed = await TestBed.StartAsync();
        using var receiver = new WebhookReceiver();
        bed.Settings["Webhooks:SigningSecret"] = "whsec-nightly-secret";
        var env = bed.EnvironmentVariables();
        var now = DateTime.UtcNow;
        var window = $"{now.AddHours(-1):HH:mm}-{now.AddHours(1):HH:mm}";
        // Every two seconds stands in for 02:00: the worker's scheduler fires it, not this test.
        var add = await Cli.RunAsync(env, Timeout, "schedule", "add", "tonight", "--cron", "0/2 * * * * ?", "--time-zone", "UTC", "--source", _drop.FullName,
            "--prompt", "Put the {Title} by {Vendor} on a white backdrop", "--window", window, "--budget-credits", "15", "--webhook", receiver.Url);
        Assert.True(add.ExitCode == 0, add.ToString());
        await File.WriteAllTextAsync(Path.Combine(_drop.FullName, "products_export_1.csv"), ShopifyExport);

        await using (var worker = WorkerProcess.Start(env))
        {
            await bed.WaitForAsync(() => Task.FromResult(!receiver.Received.IsEmpty), TimeSpan.FromSeconds(60), "the webhook");
            await worker.TerminateAsync();
        }

        Assert.Equal(["linen-shirt-1:Succeeded", "linen-shirt-2:Succeeded", "wool-cap-1:Succeeded"],
            await bed.ScalarAsync<string[]>("select array_agg(row_id || ':' || state order by row_id) from items"));
        Assert.Equal("Put the Linen Shirt by Acme on a white backdrop", await bed.ScalarAsync<string>("select prompt from items where row_id = 'linen-shirt-2'"));
        await BatchAssert.OutputsVerifiedAsync(bed, 3);
        var (signature, body) = Assert.Single(receiver.Received);
        Assert.True(Webhooks.WebhookSignature.Verify("whsec-nightly-secret", signature, body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.Contains("\"Succeeded\":3", System.Text.Encoding.UTF8.GetString(body));
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from manifests")); // later fires found nothing new

        // The usage report accounts for every credit the provider charged.
        var usage = await Cli.RunAsync(env, Timeout, "usage", "--by", "manifest", "--format", "csv");
        Assert.Equal("products_export_1,3,15,0.15,15,0.15,0,,0,0,0,0", usage.Stdout.Split('\n')[1].Trim());
        await BatchAssert.LedgerReconcilesAsync(bed);
    }

    [Fact]
    public async Task A_night_missed_while_no_worker_ran_fires_once_when_a_worker_starts()
    {
        await using var bed = await TestBed.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_drop.FullName, "tonight.csv"), Csv.Manifest(2));
        var add = await Cli.RunAsync(bed.EnvironmentVariables(), Timeout, "schedule", "add", "nightly", "--cron", "0 0 2 * * ?", "--time-zone", "UTC",
            "--source", _drop.FullName);
        Assert.True(add.ExitCode == 0, add.ToString());
        // As if the schedule was made two days ago and no worker ran at last night's 02:00: its next execution is a day in
        // the past (Hangfire keeps it twice: in the due set, in seconds, and on the job, in milliseconds).
        await bed.ExecAsync("update hangfire.set set score = score - 86400 where key = 'recurring-jobs' and value = 'schedule:nightly'");
        await bed.ExecAsync("update hangfire.hash set value = (value::bigint - 86400000)::text where key = 'recurring-job:schedule:nightly' and field = 'NextExecution'");
        await bed.ExecAsync("update hangfire.hash set value = (value::bigint - 2 * 86400000)::text where key = 'recurring-job:schedule:nightly' and field = 'CreatedAt'");

        using (var host = bed.BuildHost(worker: true))
        {
            await host.StartAsync();
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'") == 2, what: "the missed night's import, run");
            await Task.Delay(TimeSpan.FromSeconds(2)); // a second fire would import nothing new, but would record a run
            await host.StopAsync();
        }
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from schedule_files"));
        Assert.Equal("tonight.csv: imported", await bed.ScalarAsync<string>("select last_result from schedules"));
        // Fired once (one fire job, one import job), then the recurring job goes on to its next night.
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from hangfire.job where invocationdata ->> 'Method' = 'FireAsync'"));
        Assert.True(await bed.ScalarAsync<bool>("select to_timestamp(score) > now() from hangfire.set where key = 'recurring-jobs' and value = 'schedule:nightly'"));
    }

    [Fact]
    public async Task Nothing_is_submitted_before_a_start_time_or_outside_a_window()
    {
        await using var bed = await TestBed.StartAsync();
        var now = TimeOnly.FromDateTime(DateTime.UtcNow);
        await bed.ImportAsync(Csv.Manifest(2), name: "later", settings: new ManifestSettings(NotBefore: DateTimeOffset.UtcNow.AddHours(1)));
        await bed.ImportAsync(Csv.Manifest(2, _ => "windowed"), name: "windowed",
            settings: new ManifestSettings(Window: new SubmitWindow(now.AddHours(1), now.AddHours(2), "UTC")));
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<ItemClaimer>();
        Task<List<Items.ClaimedItem>> ClaimAsync() => claimer.ClaimSubmissionsAsync("w", 10, TimeSpan.FromMinutes(5), CancellationToken.None);

        Assert.Empty(await ClaimAsync());
        Assert.Matches(@"^imported; submitted only between \d\d:\d\d-\d\d:\d\d UTC$", await bed.ScalarAsync<string>("select reason from items where prompt like '%windowed%' limit 1"));
        Assert.StartsWith("imported; submitted from ", await bed.ScalarAsync<string>("select reason from items where manifest_id = (select id from manifests where name = 'later') limit 1"));

        // Windows are daily and may pass midnight: one that excludes now, then one that holds it.
        await bed.ExecAsync("update manifests set window_start = $1, window_end = $2 where name = 'windowed'", now.AddMinutes(30), now.AddMinutes(-30));
        Assert.Empty(await ClaimAsync());
        await bed.ExecAsync("update manifests set window_start = $1, window_end = $2 where name = 'windowed'", now.AddMinutes(30), now.AddMinutes(15));
        Assert.Equal(["windowed", "windowed"], (await ClaimAsync()).Select(i => i.ManifestName));
        await bed.ExecAsync("update manifests set not_before = now() - interval '1 second' where name = 'later'");
        Assert.Equal(["later", "later"], (await ClaimAsync()).Select(i => i.ManifestName));
    }
}
