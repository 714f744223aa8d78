using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests.Web;

/// <summary>
/// The trust given to requests from this machine comes from the socket only: not from a Host a web page chose (DNS
/// rebinding), not from forwarded headers, not through a proxy. Credentials travel over https only, and guessing them
/// is slowed down.
/// </summary>
public class LocalTrustTests
{
    private const string OperatorPassword = "operator-secret-1";

    [Fact]
    public async Task A_page_that_rebinds_its_own_name_to_loopback_can_neither_read_nor_act()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("A", "Grey"), name: "shop");
        await using var web = await DashboardServer.StartAsync(bed.EnvironmentVariables(), ["web"]);

        // What a browser sends when attacker.example's page, its name now resolving to 127.0.0.1, calls the dashboard.
        var read = new HttpRequestMessage(HttpMethod.Get, "/api/items");
        read.Headers.Host = $"rebind.attacker.example:{web.Port}";
        Assert.Equal(HttpStatusCode.BadRequest, (await web.Http.SendAsync(read)).StatusCode);
        var pause = new HttpRequestMessage(HttpMethod.Post, "/api/providers/pixeldojo/pause") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        pause.Headers.Host = $"rebind.attacker.example:{web.Port}";
        pause.Headers.Add("Origin", $"http://rebind.attacker.example:{web.Port}");
        Assert.Equal(HttpStatusCode.BadRequest, (await web.Http.SendAsync(pause)).StatusCode);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from provider_pauses"));

        // The same machine under its own names is trusted as before.
        Assert.Equal(HttpStatusCode.OK, (await web.Http.GetAsync("/api/items")).StatusCode);
        var local = new HttpRequestMessage(HttpMethod.Get, "/api/items");
        local.Headers.Host = $"localhost:{web.Port}";
        Assert.Equal(HttpStatusCode.OK, (await web.Http.SendAsync(local)).StatusCode);
    }

    [Fact]
    public async Task Forwarded_headers_never_make_a_request_local()
    {
        await using var bed = await TestBed.StartAsync();
        var env = WithOperator(bed);
        env["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true"; // the standard switch behind a proxy
        await using var web = await DashboardServer.StartAsync(env, ["web"], urls: "http://0.0.0.0:0");
        using var remote = new HttpClient { BaseAddress = new Uri($"http://{DashboardServer.ExternalAddress()}:{web.Port}") };

        var spoofed = new HttpRequestMessage(HttpMethod.Post, "/api/providers/pixeldojo/pause");
        spoofed.Headers.Add("X-Forwarded-For", "127.0.0.1");
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.SendAsync(spoofed)).StatusCode);
        var read = new HttpRequestMessage(HttpMethod.Get, "/api/items");
        read.Headers.Add("X-Forwarded-For", "127.0.0.1");
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.SendAsync(read)).StatusCode);
        // Behind a proxy nothing is local, not even this machine: credentials are needed everywhere.
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.Http.GetAsync("/api/items")).StatusCode);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from provider_pauses"));
    }

    [Fact]
    public async Task Requests_through_a_proxy_on_this_machine_are_not_local()
    {
        await using var bed = await TestBed.StartAsync();
        await using var web = await DashboardServer.StartAsync(WithOperator(bed), ["web"]);

        // A reverse proxy on this machine connects from 127.0.0.1 and says whom it forwards (or keeps the public name).
        foreach (var (header, value) in new[] { ("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9"), ("Via", "1.1 nginx"), ("X-Real-IP", "203.0.113.9") })
        {
            var proxied = new HttpRequestMessage(HttpMethod.Post, "/api/providers/pixeldojo/pause");
            proxied.Headers.TryAddWithoutValidation(header, value);
            Assert.Equal(HttpStatusCode.Unauthorized, (await web.Http.SendAsync(proxied)).StatusCode);
        }
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from provider_pauses"));
    }

    [Fact]
    public async Task Failed_sign_ins_are_limited_per_address()
    {
        await using var bed = await TestBed.StartAsync();
        await using var web = await DashboardServer.StartAsync(WithOperator(bed), ["web"]);
        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(web.Http, "/api/items", "ops", $"guess-number-{i:D2}")).StatusCode);

        var locked = await Send(web.Http, "/api/items", "ops", OperatorPassword); // even the right one, for a while
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
        Assert.Contains("too many failed sign-ins", await locked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Credentials_travel_over_https_only_beyond_this_machine()
    {
        await using var bed = await TestBed.StartAsync();
        var env = WithOperator(bed);
        var external = DashboardServer.ExternalAddress();
        var certificate = Path.Combine(bed.StorageRoot, "dashboard.pfx");
        await File.WriteAllBytesAsync(certificate, SelfSigned(external));
        env["Kestrel__Certificates__Default__Path"] = certificate;
        env["Kestrel__Certificates__Default__Password"] = "test-certificate";
        await using var plain = await DashboardServer.StartAsync(env, ["web"], urls: "http://0.0.0.0:0");
        await using var secure = await DashboardServer.StartAsync(env, ["web"], urls: "https://0.0.0.0:0");

        using var overHttp = new HttpClient { BaseAddress = new Uri($"http://{external}:{plain.Port}") };
        var refused = await Send(overHttp, "/api/items", "ops", OperatorPassword);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("https only", await refused.Content.ReadAsStringAsync());

        using var overHttps = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
        {
            BaseAddress = new Uri($"https://{external}:{secure.Port}"),
        };
        Assert.Equal(HttpStatusCode.OK, (await Send(overHttps, "/api/items", "ops", OperatorPassword)).StatusCode);
    }

    [Fact]
    public async Task Links_are_capped_in_lifetime_whoever_asks()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("A", "Grey"), name: "shop");
        var cli = await Cli.RunAsync(bed.EnvironmentVariables(), TimeSpan.FromSeconds(60), "results", "shop", "--signed-urls", "3650d");
        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("links live at most 7 days", cli.Stderr + cli.Stdout);
    }

    private static Dictionary<string, string> WithOperator(TestBed bed)
    {
        var env = bed.EnvironmentVariables();
        env["Dashboard__Users__0__Name"] = "ops";
        env["Dashboard__Users__0__Password"] = OperatorPassword;
        env["Dashboard__Users__0__Role"] = "Operator";
        return env;
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string path, string user, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client.SendAsync(request);
    }

    private static byte[] SelfSigned(IPAddress address)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=batch-editor-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.Export(X509ContentType.Pfx, "test-certificate");
    }
}
