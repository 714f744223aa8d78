using BatchEditor.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace BatchEditor.IntegrationTests.Browser;

/// <summary>
/// The Hangfire dashboard at <c>/hangfire</c> of a real <c>worker --dashboard</c>, in headless Chromium, signed in from
/// another address as BatchEditor's users: a schedule is a recurring job with its next run; a Viewer sees it read-only
/// and cannot trigger it; an Operator's "Trigger now" imports the dropped file, and the batch's webhook, refused twice by
/// its receiver, is delivered on the third try with every attempt in the job's history.
/// </summary>
public sealed class HangfireDashboardBrowserTests : IDisposable
{
    private static readonly string Screenshots = Path.Combine(FaultReport.RepositoryRoot(), "TestResults", "screenshots");
    private readonly DirectoryInfo _drop = Directory.CreateTempSubdirectory("batch-editor-drop-");
    private readonly WebhookReceiver _receiver = new();

    public void Dispose()
    {
        _receiver.Dispose();
        _drop.Delete(recursive: true);
    }

    [Fact]
    public async Task Schedules_are_recurring_jobs_an_operator_triggers_and_a_viewer_only_reads()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        (env["Dashboard__Users__0__Name"], env["Dashboard__Users__0__Password"], env["Dashboard__Users__0__Role"]) = ("ops", "operator-secret-1", "Operator");
        (env["Dashboard__Users__1__Name"], env["Dashboard__Users__1__Password"], env["Dashboard__Users__1__Role"]) = ("viewer", "viewer-secret-12", "Viewer");
        env["Dashboard__AllowCredentialsOverHttp"] = "true"; // signed in over plain http from another address (https: LocalTrustTests)
        env["Webhooks__SigningSecret"] = "whsec-test-0123456789";
        env["Webhooks__FirstRetryDelay"] = "00:00:00.200";
        _receiver.Answers.Enqueue(500);
        _receiver.Answers.Enqueue(503);
        await File.WriteAllTextAsync(Path.Combine(_drop.FullName, "tonight.csv"), Csv.Manifest(2));
        var add = await Cli.RunAsync(env, TimeSpan.FromSeconds(60), "schedule", "add", "nightly", "--cron", "0 2 * * *", "--time-zone", "Europe/Berlin",
            "--source", _drop.FullName, "--webhook", _receiver.Url);
        Assert.True(add.ExitCode == 0, add.ToString());

        await using var server = await DashboardServer.StartAsync(env, ["worker", "--dashboard"], urls: "http://0.0.0.0:0");
        var remote = $"http://{DashboardServer.ExternalAddress()}:{server.Port}";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);

        // A Viewer: the schedule is there with its next run, and nothing to press.
        var viewer = await browser.NewPageAsync(new() { BaseURL = remote, HttpCredentials = new() { Username = "viewer", Password = "viewer-secret-12" } });
        Assert.Equal(200, (await viewer.GotoAsync("/hangfire/recurring"))!.Status);
        var row = viewer.Locator("tr", new() { HasText = "schedule:nightly" });
        await Assertions.Expect(row).ToContainTextAsync("0 2 * * *");
        await Assertions.Expect(row).ToContainTextAsync("Europe/Berlin");
        await Assertions.Expect(row.Locator("td", new() { HasText = "in " })).Not.ToHaveCountAsync(0); // the next execution, "in … hours"
        await Assertions.Expect(viewer.Locator("button", new() { HasText = "Trigger now" })).ToHaveCountAsync(0);
        await viewer.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "hangfire-recurring-viewer.png"), FullPage = true });
        // Hangfire's trigger command, posted as the page would: refused to a Viewer.
        var posted = await viewer.APIRequest.PostAsync("/hangfire/recurring/trigger", new() { Form = viewer.Context.APIRequest.CreateFormData().Append("jobs[]", "schedule:nightly") });
        Assert.True(posted.Status is 401 or 403, $"a Viewer's trigger answered {posted.Status}");
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from hangfire.job where invocationdata->>'Method' = 'FireAsync'"));

        // An Operator triggers it from the same page: the dropped file is imported and the batch runs.
        var ops = await browser.NewPageAsync(new() { BaseURL = remote, HttpCredentials = new() { Username = "ops", Password = "operator-secret-1" } });
        await ops.GotoAsync("/hangfire/recurring");
        await ops.Locator("tr", new() { HasText = "schedule:nightly" }).Locator("input[type=checkbox]").CheckAsync();
        await ops.Locator("button", new() { HasText = "Trigger now" }).ClickAsync();
        await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from schedule_files where outcome = 'imported'") == 1, what: "the triggered import");
        await bed.WaitForAsync(async () => await bed.ScalarAsync<string?>("select state from webhooks") == "delivered", TimeSpan.FromSeconds(90), "the webhook's third try");
        Assert.Equal(3, _receiver.Received.Count);

        // The delivery's job shows both refusals and the success.
        var webhookJob = await bed.ScalarAsync<long>("select id from hangfire.job where invocationdata->>'Method' = 'DeliverAsync'");
        await ops.GotoAsync($"/hangfire/jobs/details/{webhookJob}");
        await Assertions.Expect(ops.Locator("body")).ToContainTextAsync("Retry attempt 1 of");
        await Assertions.Expect(ops.Locator("body")).ToContainTextAsync("Retry attempt 2 of");
        await Assertions.Expect(ops.Locator("body")).ToContainTextAsync("503");
        await Assertions.Expect(ops.Locator("body")).ToContainTextAsync("Succeeded");
        await ops.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "hangfire-webhook-job.png"), FullPage = true });

        // Hangfire's home page carries BatchEditor's figures and a way back; ours links to it.
        await ops.GotoAsync("/hangfire");
        await Assertions.Expect(ops.Locator("body")).ToContainTextAsync("Items in review");
        await Assertions.Expect(ops.Locator("body")).ToContainTextAsync("Spend today");
        await Assertions.Expect(ops.Locator("a[href='/dashboard']").First).ToBeVisibleAsync();
        await ops.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "hangfire-home.png"), FullPage = true });
        await ops.GotoAsync("/dashboard");
        await Assertions.Expect(ops.Locator("a[href='/hangfire']").First).ToBeVisibleAsync();
    }
}
