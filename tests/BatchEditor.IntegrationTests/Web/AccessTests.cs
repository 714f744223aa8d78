using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests.Web;

/// <summary>Who may see and do what: loopback by default, credentials beyond it, a read-only role, no cross-site actions.</summary>
public partial class AccessTests
{
    private const string OperatorPassword = "operator-secret-1", ViewerPassword = "viewer-secret-12";

    [Fact]
    public async Task Listening_beyond_loopback_without_credentials_is_refused_at_start()
    {
        await using var bed = await TestBed.StartAsync();
        await using var web = WorkerProcess.StartCommand(bed.EnvironmentVariables(), "web", "--urls", "http://0.0.0.0:0");
        Assert.Equal(2, await web.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("no credentials configured", web.Output);
        Assert.Contains("Dashboard__Users__0__Name", web.Output);
    }

    [Fact]
    public async Task Remote_requests_need_credentials_viewers_only_read_and_cross_site_posts_are_refused()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        env["Dashboard__Users__0__Name"] = "ops";
        env["Dashboard__Users__0__Password"] = OperatorPassword;
        env["Dashboard__Users__0__Role"] = "Operator";
        env["Dashboard__Users__1__Name"] = "auditor";
        env["Dashboard__Users__1__Password"] = ViewerPassword;
        env["Dashboard__Users__1__Role"] = "Viewer";
        env["Dashboard__AllowCredentialsOverHttp"] = "true"; // roles are under test here; https is Credentials_travel_over_https_only
        await bed.ImportAsync(Csv.Row("A", "Grey"), name: "shop");
        await using var web = await DashboardServer.StartAsync(env, ["web"], urls: "http://0.0.0.0:0");
        using var remote = new HttpClient { BaseAddress = new Uri($"http://{DashboardServer.ExternalAddress()}:{web.Port}") };

        var anonymous = await remote.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.GetAsync("/api/manifests")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(remote, HttpMethod.Get, "/api/manifests", "ops", "wrong-password-x")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await remote.GetAsync("/health/live")).StatusCode); // probes carry no credentials

        Assert.Equal(HttpStatusCode.OK, (await Send(remote, HttpMethod.Get, "/dashboard", "auditor", ViewerPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(remote, HttpMethod.Post, "/api/manifests/shop/hold", "auditor", ViewerPassword)).StatusCode);
        Assert.Equal("Pending", await bed.ScalarAsync<string>("select state from items"));
        Assert.Equal(HttpStatusCode.OK, (await Send(remote, HttpMethod.Post, "/api/manifests/shop/hold", "ops", OperatorPassword)).StatusCode);
        Assert.Equal("Held", await bed.ScalarAsync<string>("select state from items"));
        Assert.Equal("web:ops", await bed.ScalarAsync<string>("select actor from item_history order by id desc limit 1"));

        // Dashboard forms: a viewer is forbidden before any token is looked at; an operator needs the form's token.
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(remote, HttpMethod.Post, "/dashboard/manifests/shop?handler=Release", "auditor", ViewerPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(remote, HttpMethod.Post, "/dashboard/manifests/shop?handler=Release", "ops", OperatorPassword)).StatusCode);
        Assert.Equal("Held", await bed.ScalarAsync<string>("select state from items"));
        using (var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = remote.BaseAddress })
        {
            browser.DefaultRequestHeaders.Authorization = BasicAuth("ops", OperatorPassword);
            var page = await browser.GetStringAsync("/dashboard/manifests/shop");
            var token = AntiforgeryField().Match(page).Groups[1].Value;
            var posted = await browser.PostAsync("/dashboard/manifests/shop?handler=Release",
                new FormUrlEncodedContent([new("__RequestVerificationToken", WebUtility.HtmlDecode(token))]));
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        }
        Assert.Equal("Pending", await bed.ScalarAsync<string>("select state from items"));
        await Send(remote, HttpMethod.Post, "/api/manifests/shop/hold", "ops", OperatorPassword);

        // A page on another site cannot make a logged-in (or local) browser act.
        var forged = new HttpRequestMessage(HttpMethod.Post, "/api/manifests/shop/release");
        forged.Headers.Add("Origin", "https://attacker.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await web.Http.SendAsync(forged)).StatusCode);
        var fetched = new HttpRequestMessage(HttpMethod.Post, "/api/manifests/shop/release");
        fetched.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await web.Http.SendAsync(fetched)).StatusCode);
        Assert.Equal("Held", await bed.ScalarAsync<string>("select state from items"));
        Assert.Equal(HttpStatusCode.OK, (await web.Http.PostAsync("/api/manifests/shop/release", null)).StatusCode); // loopback, no browser: allowed
        Assert.DoesNotContain(OperatorPassword, web.Process.Output);
    }

    [Fact]
    public async Task A_form_served_by_one_web_host_can_be_posted_to_another()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Row("A", "Grey"), name: "shop");
        await using var first = await DashboardServer.StartAsync(bed.EnvironmentVariables(), ["web"]);
        await using var second = await DashboardServer.StartAsync(bed.EnvironmentVariables(), ["web"]);

        var page = await first.Http.GetAsync("/dashboard/manifests/shop");
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value);
        var post = new HttpRequestMessage(HttpMethod.Post, "/dashboard/manifests/shop?handler=Hold")
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token)]),
        };
        post.Headers.Add("Cookie", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = second.BaseUri };
        Assert.Equal(HttpStatusCode.Redirect, (await noRedirects.SendAsync(post)).StatusCode);
        Assert.Equal("Held", await bed.ScalarAsync<string>("select state from items"));
        Assert.Equal(1, await bed.ScalarAsync<long>("select count(*) from data_protection_keys"));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string user, string password)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = BasicAuth(user, password);
        return client.SendAsync(request);
    }

    private static AuthenticationHeaderValue BasicAuth(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
