using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests.Web;

/// <summary>
/// What a Viewer following an output link gets from a real <c>web</c> process on Azurite: with the account key, a link
/// that reads that one blob and nothing else; with a SAS connection string, the bytes through the server, never the
/// connection string's own SAS (read, create and write on the container).
/// </summary>
public class OutputLinkTests
{
    private const string ViewerPassword = "viewer-secret-12";

    [Fact]
    public async Task A_viewer_gets_a_read_only_link_for_one_blob_or_the_bytes_never_the_configured_sas()
    {
        await using var bed = await TestBed.StartAsync();
        var azurite = await AzuriteServer.Shared;
        var container = $"links{Guid.NewGuid():N}"[..24];
        bed.Settings["Storage:Kind"] = "AzureBlob";
        bed.Settings["Storage:ConnectionString"] = azurite.ConnectionString;
        bed.Settings["Storage:Container"] = container;
        await azurite.Client().GetBlobContainerClient(container).CreateAsync(); // as `worker` does at start
        await bed.ImportAsync(Csv.Row("A", "Grey"), name: "shop");
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));
        var outputId = await bed.ScalarAsync<long>("select id from outputs where state = 'Stored'");
        var stored = (await azurite.Client().GetBlobContainerClient(container).GetBlobClient(await bed.ScalarAsync<string>("select blob_name from outputs")).DownloadContentAsync()).Value.Content.ToArray();

        var env = bed.EnvironmentVariables();
        env["Dashboard__Users__0__Name"] = "auditor";
        env["Dashboard__Users__0__Password"] = ViewerPassword;
        env["Dashboard__Users__0__Role"] = "Viewer";
        env["Dashboard__AllowCredentialsOverHttp"] = "true";

        // The account key: a link minted for this blob, read-only, expiring; it reads the output and cannot write.
        await using (var web = await DashboardServer.StartAsync(env, ["web"], urls: "http://0.0.0.0:0"))
        {
            using var viewer = Viewer(web);
            var answer = await viewer.GetAsync($"/api/outputs/{outputId}/content");
            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            var link = answer.Headers.Location!;
            var sas = new BlobUriBuilder(link).Sas;
            Assert.Equal(("r", "b"), (sas.Permissions, sas.Resource));
            Assert.Equal(SasProtocol.HttpsAndHttp, sas.Protocol); // https only, but for an emulator on this machine, which speaks http
            Assert.InRange(sas.ExpiresOn, DateTimeOffset.UtcNow.AddMinutes(10), DateTimeOffset.UtcNow.AddMinutes(16));
            using var direct = new HttpClient();
            Assert.Equal(stored, await direct.GetByteArrayAsync(link));
            using var write = new HttpRequestMessage(HttpMethod.Put, link) { Content = new ByteArrayContent([1, 2, 3]) };
            write.Headers.Add("x-ms-blob-type", "BlockBlob");
            Assert.Equal(HttpStatusCode.Forbidden, (await direct.SendAsync(write)).StatusCode);
        }

        // A SAS connection string: nothing to mint a link from, and its own SAS never leaves the server.
        var sasOfContainer = azurite.Client().GetBlobContainerClient(container).GenerateSasUri(
            BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Write, DateTimeOffset.UtcNow.AddHours(1));
        env["Storage__ConnectionString"] = $"BlobEndpoint={azurite.Client().Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')};SharedAccessSignature={sasOfContainer.Query.TrimStart('?')}";
        await using (var web = await DashboardServer.StartAsync(env, ["web"], urls: "http://0.0.0.0:0"))
        {
            using var viewer = Viewer(web);
            var answer = await viewer.GetAsync($"/api/outputs/{outputId}/content");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Null(answer.Headers.Location);
            Assert.Equal(stored, await answer.Content.ReadAsByteArrayAsync());
            var everything = answer.Headers + "\n" + answer.Content.Headers;
            Assert.DoesNotContain("sig=", everything);
            var results = await viewer.GetAsync("/api/manifests/shop/results?signedFor=1.00:00:00");
            Assert.Equal(HttpStatusCode.BadRequest, results.StatusCode);
            Assert.Contains("hands out no links", await results.Content.ReadAsStringAsync());
        }
    }

    private static HttpClient Viewer(DashboardServer web)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://{DashboardServer.ExternalAddress()}:{web.Port}"),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"auditor:{ViewerPassword}")));
        return client;
    }
}
