using System.Net;
using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests.Web;

/// <summary>The web host runs in the test's process too (TestServer): the same composition as `batch-editor web`, no port, no process.</summary>
public class InProcessWebTests
{
    [Fact]
    public async Task The_api_and_the_dashboard_answer_in_process_as_they_do_from_the_binary()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(3), name: "in-process");
        await using var web = await bed.StartWebAsync();

        var (status, body) = await web.GetAsync("/api/items?manifest=in-process");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, JsonDocument.Parse(body).RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal((HttpStatusCode.NotFound, "\"no item 424242 (GET /api/items finds items)\""), await web.GetAsync("/api/items/424242"));
        var (page, html) = await web.GetAsync("/dashboard/manifests/in-process");
        Assert.Equal(HttpStatusCode.OK, page);
        Assert.Contains("stalled: no worker is running", html);
        // The API's throughput windows are the chart's: hourly buckets over a day.
        var (_, hourly) = await web.GetAsync("/api/throughput?window=24h");
        Assert.InRange(JsonDocument.Parse(hourly).RootElement.GetArrayLength(), 24, 25);
    }
}
