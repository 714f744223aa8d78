using System.Net;
using System.Net.Sockets;
using System.Text;
using BatchEditor.Downloads;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Providers;
using BatchEditor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>What the worker fetches from URLs it was given: never a private address unless allowed, redirects checked hop by hop, keys kept home.</summary>
public sealed class OutboundGuardTests : IDisposable
{
    private readonly RawHttpServer _server = new();

    private int Port => _server.Port;

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_refused_address_receives_no_connection_whether_named_by_address_or_by_a_name_that_resolves_to_it()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Downloads:AllowPrivateNetworks"] = "false";
        using var host = bed.BuildHost();
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(OutputCopier.HttpClientName);
        var options = new DownloadOptions();

        foreach (var url in new[] { $"http://127.0.0.1:{Port}/out.png", $"http://localhost:{Port}/out.png" })
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => BoundedDownload.GetAsync(http, url, options, "output 1", CancellationToken.None));
            Assert.Contains("a loopback address; Downloads__AllowPrivateNetworks=true allows private networks", OutboundGuard.RefusalIn(e)!.Message);
        }
        Assert.Equal(0, _server.Connections);
    }

    [Fact]
    public async Task Redirects_are_followed_by_hand_a_few_hops_and_only_to_http()
    {
        await using var bed = await TestBed.StartAsync(); // private networks allowed: this listener is the "internet" here
        using var host = bed.BuildHost();
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(OutputCopier.HttpClientName);
        var options = new DownloadOptions();
        _server.Answer = request => request.StartsWith("GET /file", StringComparison.Ordinal)
            ? "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            : request.StartsWith("GET /final", StringComparison.Ordinal)
                ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                : $"HTTP/1.1 302 Found\r\nLocation: /loop{request.Length}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

        var toFile = await Assert.ThrowsAnyAsync<Exception>(() => BoundedDownload.GetAsync(http, $"http://127.0.0.1:{Port}/file", options, "output 1", CancellationToken.None));
        Assert.Contains("only http and https are fetched", OutboundGuard.RefusalIn(toFile)!.Message);
        var loop = await Assert.ThrowsAnyAsync<Exception>(() => BoundedDownload.GetAsync(http, $"http://127.0.0.1:{Port}/start", options, "output 1", CancellationToken.None));
        Assert.Contains("more than 5 redirects", OutboundGuard.RefusalIn(loop)!.Message);

        _server.Answer = request => request.StartsWith("GET /final", StringComparison.Ordinal)
            ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            : "HTTP/1.1 301 Moved\r\nLocation: /final\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        using var ok = await BoundedDownload.GetAsync(http, $"http://127.0.0.1:{Port}/moved", options, "output 1", CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
    }

    [Fact]
    public async Task A_providers_key_goes_only_to_its_configured_host()
    {
        await using var bed = await TestBed.StartAsync();
        using var host = bed.BuildHost();
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("pixeldojo");

        using var elsewhere = ProviderHttp.Request(HttpMethod.Get, $"http://127.0.0.1:{Port}/status/1", "Bearer", "pixeldojo-secret-key");
        using (await http.SendAsync(elsewhere)) { }
        var request = Assert.Single(_server.Requests);
        Assert.DoesNotContain("pixeldojo-secret-key", request);
        Assert.DoesNotContain("Authorization", request, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_key_is_never_sent_over_plain_http_beyond_loopback()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:BaseUrl"] = "http://192.0.2.10:8080/api/v1"; // TEST-NET-1: nothing answers there, and nothing is tried
        using var host = bed.BuildHost();
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("pixeldojo");

        using var request = ProviderHttp.Request(HttpMethod.Get, "http://192.0.2.10:8080/api/v1/jobs/1", "Bearer", "pixeldojo-secret-key");
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(request));
        Assert.Equal("refused to send the API key over plain http to 192.0.2.10; use https in the provider's BaseUrl", OutboundGuard.RefusalIn(e)!.Message);
    }

    [Fact]
    public async Task Output_urls_on_a_private_network_fail_the_item_with_the_reason_and_the_provider_is_still_reached()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Downloads:AllowPrivateNetworks"] = "false"; // the simulator's own BaseUrl stays trusted as configured
        await bed.ImportAsync(Csv.Manifest(2));

        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, bed.Sim.State.TotalSubmits);
        Assert.All(await bed.ItemsAsync(), i =>
        {
            Assert.Equal("Failed", i.State);
            Assert.Contains("refused to connect to 127.0.0.1 (127.0.0.1): a loopback address", i.Reason);
        });
    }
}
