using BatchEditor.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace BatchEditor.IntegrationTests.Browser;

/// <summary>
/// The dashboard says what needs attention, in a real Chromium against a real <c>web</c> host with no worker running:
/// the no-worker alert linked to its cause and action, a stalled ETA, the throughput chart drawn on the server with its
/// axes, each item's input beside its output, and an operator raising a manifest's budget. Screenshots go to
/// <c>TestResults/screenshots</c>.
/// </summary>
public class AttentionBrowserTests
{
    private static readonly string Screenshots = Path.Combine(FaultReport.RepositoryRoot(), "TestResults", "screenshots");

    [Fact]
    public async Task The_overview_says_no_worker_runs_the_chart_has_axes_and_inputs_stand_beside_outputs()
    {
        await using var bed = await TestBed.StartAsync();
        string Row(string id, string prompt) => $"{id},{bed.Sim.BaseUrl}/inputs/{id.ToLowerInvariant()}.png,{prompt}";
        await bed.ImportAsync(string.Join("\n", ["id,image_url,prompt", Row("MUG-1", "Grey backdrop"), Row("MUG-2", "Grey backdrop"),
            Row("CAP-1", "Soft shadow"), Row("CAP-2", "Recolour [sim:fail]")]) + "\n", name: "catalogue");
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));
        await bed.ImportAsync(string.Join("\n", ["id,image_url,prompt", Row("TOWEL-1", "White"), Row("TOWEL-2", "White")]) + "\n", name: "tonight",
            settings: new Manifests.ManifestSettings(BudgetCredits: 1));
        await using var server = await DashboardServer.StartAsync(bed.EnvironmentVariables(), ["web"]);
        var towel2 = await bed.ScalarAsync<long>("select id from items where row_id = 'TOWEL-2'");
        Assert.True((await server.Http.PostAsync($"/api/items/{towel2}/hold", null)).IsSuccessStatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { BaseURL = server.BaseUri.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } });

        await page.GotoAsync("/dashboard");
        var noWorker = page.Locator("[data-alert=no-worker]");
        await Assertions.Expect(noWorker).ToContainTextAsync("No worker is running: 1 item(s) are active");
        await Assertions.Expect(noWorker).ToContainTextAsync("batch-editor worker");
        Assert.Equal("/dashboard/workers", await noWorker.Locator("a").GetAttributeAsync("href"));
        var held = page.Locator("[data-alert=held]");
        await Assertions.Expect(held).ToContainTextAsync("1 item(s) of tonight held:");
        Assert.Equal("/dashboard/manifests/tonight", await held.Locator("a").Last.GetAttributeAsync("href"));
        // The chart is in the page as served: bars for the four finished items, a count axis and a UTC time axis.
        var chart = page.Locator("#throughput svg[data-chart]");
        Assert.True(await chart.Locator("rect").CountAsync() >= 2); // succeeded and failed bars
        await Assertions.Expect(chart).ToContainTextAsync("items finished per 1 min · time in UTC");
        Assert.True(await chart.Locator("text").CountAsync() >= 4);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "overview-attention.png"), FullPage = true });

        await page.GotoAsync("/dashboard/manifests/tonight");
        await Assertions.Expect(page.Locator("[data-stalled]")).ToContainTextAsync("stalled: no worker is running");
        await Assertions.Expect(page.Locator("[data-budget]")).ToHaveTextAsync("1 credits");
        await page.FillAsync("input[name=credits]", "500");
        await page.ClickAsync("form.budget button");
        await Assertions.Expect(page.Locator(".flash")).ToContainTextAsync("Budget of tonight: 500 credits; 1 held item(s) released.");
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Held'"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "manifest-stalled-budget.png"), FullPage = true });

        // Inputs beside outputs, fetched through the server: in the list and on the item's page.
        await page.GotoAsync("/dashboard/manifests/catalogue");
        await Assertions.Expect(page.Locator("img[data-input-thumb]")).ToHaveCountAsync(4);
        await Chromium.WaitForImagesAsync(page, "img[data-input-thumb]", 4);
        Assert.Equal(3, await page.Locator("td.thumb img[alt^='output of']").CountAsync()); // the failed item has no output
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "items-input-output.png"), FullPage = true });
        var mug = await bed.ScalarAsync<long>("select id from items where row_id = 'MUG-1'");
        await page.GotoAsync($"/dashboard/items/{mug}");
        await Chromium.WaitForImagesAsync(page, "figure[data-input] img", 1);
        Assert.Equal(1, await page.Locator(".outputs img[alt^='output']").CountAsync());
        await Assertions.Expect(page.Locator("dl.facts")).Not.ToContainTextAsync("copy attempt");
        await Assertions.Expect(page.Locator("dl.facts")).Not.ToContainTextAsync("Outputs expire");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "item-input-output.png"), FullPage = true });
    }
}
