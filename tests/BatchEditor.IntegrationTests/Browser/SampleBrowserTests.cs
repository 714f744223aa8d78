using BatchEditor.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace BatchEditor.IntegrationTests.Browser;

/// <summary>
/// Sample first, in a real Chromium against a real worker with its dashboard: the sample's contact sheet (each input's
/// thumbnail beside its output's), a Viewer who can neither approve nor reject, an Operator whose Reject with a new
/// prompt runs the sample again as a new run, and whose Approve releases the rest. Screenshots go to
/// <c>TestResults/screenshots</c>.
/// </summary>
public class SampleBrowserTests
{
    private static readonly string Screenshots = Path.Combine(FaultReport.RepositoryRoot(), "TestResults", "screenshots");

    [Fact]
    public async Task A_sampled_manifest_shows_its_contact_sheet_reject_reruns_it_approve_releases_the_rest_and_a_viewer_can_do_neither()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        (env["Dashboard__Users__0__Name"], env["Dashboard__Users__0__Password"], env["Dashboard__Users__0__Role"]) = ("ops", "operator-secret-1", "Operator");
        (env["Dashboard__Users__1__Name"], env["Dashboard__Users__1__Password"], env["Dashboard__Users__1__Role"]) = ("viewer", "viewer-secret-12", "Viewer");
        env["Dashboard__AllowCredentialsOverHttp"] = "true"; // signed in over plain http from another address (https: LocalTrustTests)
        var csv = Path.Combine(Path.GetTempPath(), $"sample-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(csv, "id,image_url,prompt,title\n" + string.Join("\n", Enumerable.Range(1, 5).Select(i =>
            $"MUG-{i},{bed.Sim.BaseUrl}/inputs/mug-{i}.png,Put the mug on grey,Mug {i}")) + "\n");
        Assert.Equal(0, (await Cli.RunAsync(env, TimeSpan.FromSeconds(60), "submit", csv, "--name", "mugs", "--sample", "2")).ExitCode);
        File.Delete(csv);

        await using var server = await DashboardServer.StartAsync(env, ["worker", "--dashboard"], urls: "http://0.0.0.0:0");
        await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where in_sample and state = 'Succeeded'") == 2, what: "the sample");
        var remote = $"http://{DashboardServer.ExternalAddress()}:{server.Port}";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);

        // A Viewer sees the contact sheet, and nothing to press; the forms' posts are refused.
        var viewer = await browser.NewPageAsync(new() { BaseURL = remote, HttpCredentials = new() { Username = "viewer", Password = "viewer-secret-12" } });
        Assert.Equal(200, (await viewer.GotoAsync("/dashboard/manifests/mugs/sample"))!.Status);
        await Assertions.Expect(viewer.Locator("figure.tile")).ToHaveCountAsync(2);
        await Chromium.WaitForImagesAsync(viewer, "figure.tile img", 4); // two inputs, two outputs, as thumbnails
        await Assertions.Expect(viewer.Locator("[data-approval]")).ToContainTextAsync("3 item(s) wait for approval");
        await Assertions.Expect(viewer.Locator("button")).ToHaveCountAsync(0);
        await viewer.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "sample-viewer.png"), FullPage = true });
        foreach (var path in new[] { "/api/manifests/mugs/approve", "/api/manifests/mugs/reject?prompt=x" })
        {
            var posted = await viewer.APIRequest.PostAsync(path);
            Assert.True(posted.Status is 401 or 403, $"a Viewer's {path} answered {posted.Status}");
        }
        Assert.Equal(3L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Held'"));

        // An Operator rejects with a new prompt: the sample runs again as a new run; the held rest takes the prompt.
        var ops = await browser.NewPageAsync(new() { BaseURL = remote, HttpCredentials = new() { Username = "ops", Password = "operator-secret-1" } });
        ops.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // the buttons ask first
        await ops.GotoAsync("/dashboard/manifests/mugs");
        await ops.ClickAsync("[data-sample] a");
        await ops.FillAsync("form.actions input[name=prompt]", "Studio shot of {title}");
        await ops.ClickAsync("button:text('Reject: run the sample again')");
        await Assertions.Expect(ops.Locator(".flash")).ToContainTextAsync("2 sample item(s) run again with the new prompt");
        await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where in_sample and run = 2 and state = 'Succeeded'") == 2,
            what: "the sample's second run");
        Assert.Equal(5L, await bed.ScalarAsync<long>("select count(*) from items where prompt = 'Studio shot of Mug ' || substr(row_id, 5)"));

        // The sheet shows the new run; Approve releases the rest, which runs.
        await ops.ReloadAsync();
        await Assertions.Expect(ops.Locator("figure.tile .muted").First).ToContainTextAsync("Studio shot of Mug");
        await Chromium.WaitForImagesAsync(ops, "figure.tile img", 4);
        await ops.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "sample-operator.png"), FullPage = true });
        await ops.ClickAsync("button:text('Approve: submit the other 3')");
        await Assertions.Expect(ops.Locator(".flash")).ToContainTextAsync("sample approved by web:ops; 3 held item(s) released");
        await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'") == 5, what: "the rest");
        await Assertions.Expect(ops.Locator("[data-approval]")).ToContainTextAsync("Approved");
    }
}
