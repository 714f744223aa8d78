using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Behind an HTTP proxy (HTTP_PROXY, as a corporate network sets it) the outbound guard checks the target, not the
/// proxy: the cloud metadata address is never asked of the proxy, and a proxy on a private address does not make every
/// download fail.
/// </summary>
public class ProxyTests
{
    [Fact]
    public async Task Behind_a_private_proxy_targets_are_checked_and_public_ones_still_load()
    {
        await using var bed = await TestBed.StartAsync();
        await using var proxy = new ForwardProxy();
        var publicHost = "203.0.113.7"; // a public-looking address; the proxy sends it to the simulator
        proxy.Route[$"{publicHost}:80"] = new Uri(bed.Sim.BaseUrl).Authority;
        bed.Settings["Downloads:AllowPrivateNetworks"] = "false"; // every check on; the proxy itself is on loopback
        var env = bed.EnvironmentVariables();
        env["HTTP_PROXY"] = env["http_proxy"] = proxy.Url;
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"; // the provider (the simulator) is reached directly
        // OpenAI's adapter downloads its inputs: one from a public address, one from the cloud metadata address.
        await bed.ImportAsync(
            $"id,image_url,prompt\nPUBLIC-1,http://{publicHost}/inputs/front.png,Grey backdrop\nMETA-1,http://169.254.169.254/latest/meta-data/iam/x.png,Grey backdrop\n",
            defaults: new ManifestDefaults(Provider: "openai"));

        var worker = await Cli.RunAsync(env, TimeSpan.FromSeconds(90), "worker", "--until-idle");

        Assert.True(worker.ExitCode == 6, worker.ToString()); // one item failed, on purpose
        var items = (await bed.ItemsAsync()).ToDictionary(i => i.RowId);
        Assert.Equal("Succeeded", items["PUBLIC-1"].State);
        Assert.Equal("Failed", items["META-1"].State);
        Assert.Contains("cloud metadata", items["META-1"].Reason);
        Assert.Contains($"http://{publicHost}/inputs/front.png", proxy.Requested);
        Assert.DoesNotContain(proxy.Requested, r => r.Contains("169.254.169.254", StringComparison.Ordinal)); // never asked of the proxy
        Assert.Equal(1, bed.Sim.State.TotalSubmits);
    }
}
