using BatchEditor.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace BatchEditor.IntegrationTests.Browser;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's, driven by Playwright) against a real <c>worker --dashboard</c>:
/// every page loads, filters and search find items, an operator retries an item and resolves a NeedsReview item and
/// watches them change state live, and an anonymous remote visitor is refused. A screenshot of each page is kept in
/// <c>TestResults/screenshots</c>.
/// </summary>
public class DashboardBrowserTests
{
    private static readonly string Screenshots = Path.Combine(FaultReport.RepositoryRoot(), "TestResults", "screenshots");

    [Fact]
    public async Task An_operator_follows_a_batch_finds_items_and_acts_on_them_from_the_browser()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        env["Dashboard__Users__0__Name"] = "ops";
        env["Dashboard__Users__0__Password"] = "operator-secret-1";
        env["Dashboard__Users__0__Role"] = "Operator";
        env["Dashboard__AllowCredentialsOverHttp"] = "true"; // the remote sign-in below is over plain http (https: LocalTrustTests)
        await bed.ImportAsync(
            "id,image_url,prompt\nSKU-A,https://img.example.com/a.jpg,Grey backdrop\nSKU-B,https://img.example.com/b.jpg,Crop tight [sim:500]\n" +
            "SKU-C,https://img.example.com/c.jpg,Recolour red [sim:fail]\n", name: "shop");
        await bed.ImportAsync(Csv.Row("SKU-D", "Soft shadow"), name: "later");
        Assert.Equal(0, (await Cli.RunAsync(env, TimeSpan.FromSeconds(60), "cancel", "later")).ExitCode);
        await using var server = await DashboardServer.StartAsync(env, ["worker", "--dashboard"], urls: "http://0.0.0.0:0");
        await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state in ('Succeeded', 'NeedsReview', 'Failed')") == 3);
        var ids = (await bed.ItemsAsync()).ToDictionary(i => i.RowId, i => i.State);
        Assert.Equal("NeedsReview", ids["SKU-B"]);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { BaseURL = server.BaseUri.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        var itemId = new Dictionary<string, long>();
        foreach (var row in new[] { "SKU-A", "SKU-B", "SKU-C", "SKU-D" })
            itemId[row] = await bed.ScalarAsync<long>("select id from items where row_id = $1", row);

        foreach (var (path, name) in new[]
                 {
                     ("/dashboard", "overview"), ("/dashboard/manifests", "manifests"), ("/dashboard/manifests/shop", "manifest"),
                     ($"/dashboard/items/{itemId["SKU-A"]}", "item"), ("/dashboard/items", "items"), ("/dashboard/providers", "providers"),
                     ("/dashboard/schedules", "schedules"), ("/dashboard/workers", "workers"),
                 })
        {
            var response = await page.GotoAsync(path);
            Assert.True(response!.Status == 200, $"{path}: {response.Status}");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"{name}.png"), FullPage = true });
        }

        // The overview counts are live: the Succeeded tile says 1 without a reload.
        await page.GotoAsync("/dashboard");
        await Assertions.Expect(page.Locator("[data-count=Succeeded]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator(".alerts")).ToContainTextAsync("1 item(s) need review");

        // Filter a manifest by state, then search every manifest from the header.
        await page.GotoAsync("/dashboard/manifests/shop");
        await page.SelectOptionAsync("select[name=state]", "Failed");
        await page.ClickAsync("form.filters button");
        await Assertions.Expect(page.Locator("table.items tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("table.items tbody")).ToContainTextAsync("SKU-C");
        await page.FillAsync("header .search input", "shadow");
        await page.PressAsync("header .search input", "Enter");
        await Assertions.Expect(page.Locator("table.items tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("table.items tbody")).ToContainTextAsync("SKU-D");

        // Retry a cancelled item and watch it go through to Succeeded, live.
        await page.GotoAsync($"/dashboard/items/{itemId["SKU-D"]}");
        await Assertions.Expect(page.Locator("[data-item-state]")).ToHaveTextAsync("Cancelled");
        string? asked = null;
        void Accept(object? _, IDialog dialog) { asked = dialog.Message; _ = dialog.AcceptAsync(); }
        page.Dialog += Accept;
        await page.ClickAsync("button:text('Retry')");
        await Assertions.Expect(page.Locator(".flash")).ToContainTextAsync("will be submitted again as a new run");
        page.Dialog -= Accept;
        Assert.Contains("paid for, again", asked); // the operator is told before a retry pays
        await Assertions.Expect(page.Locator("[data-item-state]")).ToHaveTextAsync("Succeeded", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "item-retried.png"), FullPage = true });

        // Resolve the NeedsReview item by adopting the job the provider did create.
        await page.GotoAsync($"/dashboard/items/{itemId["SKU-B"]}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "item-needs-review.png"), FullPage = true });
        await page.FillAsync("input[name=reference]", Assert.Single(bed.Sim.State.Jobs.Keys, k => bed.Sim.State.Jobs[k].Prompt.Contains("[sim:500]", StringComparison.Ordinal)));
        await page.ClickAsync("button:text('Adopt the job')");
        await Assertions.Expect(page.Locator(".flash")).ToContainTextAsync("adopted");
        await Assertions.Expect(page.Locator("[data-item-state]")).ToHaveTextAsync("Succeeded", new() { Timeout = 30_000 });
        Assert.Equal(1, bed.Sim.State.Jobs.Values.Count(j => j.Prompt.Contains("[sim:500]", StringComparison.Ordinal))); // adopted, not paid twice

        // From another machine: without credentials refused (headless Chromium reports the 401 as a navigation error,
        // as it cannot ask for a password), with them let in.
        var remoteUrl = $"http://{DashboardServer.ExternalAddress()}:{server.Port}/dashboard";
        var anonymous = await browser.NewPageAsync();
        var statuses = new List<int>();
        anonymous.Response += (_, r) => statuses.Add(r.Status);
        var refused = await Assert.ThrowsAsync<PlaywrightException>(() => anonymous.GotoAsync(remoteUrl));
        Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", refused.Message);
        Assert.Equal([401], statuses);
        var signedIn = await browser.NewPageAsync(new() { HttpCredentials = new() { Username = "ops", Password = "operator-secret-1" } });
        Assert.Equal(200, (await signedIn.GotoAsync(remoteUrl))!.Status);
        await Assertions.Expect(signedIn.Locator("header .who")).ToContainTextAsync("ops · operator");
    }
}
