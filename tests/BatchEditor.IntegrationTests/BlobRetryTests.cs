using System.Collections.Concurrent;
using BatchEditor.Storage;
using BatchEditor.Storage.AzureBlob;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Which Blob answers are retried. Azurite cannot be made to answer 503 on demand, so a real HTTP server
/// plays a busy Blob endpoint here; everything else about the client is proven against Azurite.
/// </summary>
public class BlobRetryTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private WebApplication _server = null!;
    private BlobRestClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        _server = builder.Build();
        _server.Urls.Add("http://127.0.0.1:0");
        _server.MapPut("/devstoreaccount1/c/{blob}", (string blob, HttpContext context) =>
        {
            var n = _requests.AddOrUpdate(blob, 1, (_, c) => c + 1);
            var (status, code) = blob switch
            {
                "busy.png" when n <= 2 => (503, "ServerBusy"),
                "throttled.png" when n == 1 => (429, "TooManyRequests"),
                "bad.png" => (400, "InvalidHeaderValue"),
                "denied.png" => (403, "AuthenticationFailed"),
                _ => (201, (string?)null),
            };
            if (code is not null) context.Response.Headers["x-ms-error-code"] = code;
            return Results.StatusCode(status);
        });
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var account = BlobAccount.Parse(BlobAccount.DevelopmentStorage.Replace("http://127.0.0.1:10000", address.TrimEnd('/'), StringComparison.Ordinal));
        _client = new BlobRestClient(new HttpClient(), account, TimeSpan.FromMilliseconds(10));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<bool> Put(string blob) =>
        _client.PutBlobAsync("c", blob, new byte[] { 1, 2, 3 }, new byte[16], new BlobWrite("image/png", new Dictionary<string, string>()), CancellationToken.None);

    [Theory]
    [InlineData("busy.png", 3)]
    [InlineData("throttled.png", 2)]
    public async Task Busy_and_throttled_answers_are_retried_until_the_write_lands(string blob, int requests)
    {
        Assert.True(await Put(blob));
        Assert.Equal(requests, _requests[blob]);
    }

    [Theory]
    [InlineData("bad.png", "400 InvalidHeaderValue")]
    [InlineData("denied.png", "403 AuthenticationFailed")]
    public async Task Other_client_errors_are_final_after_one_request(string blob, string message)
    {
        var error = await Assert.ThrowsAsync<BlobRequestException>(() => Put(blob));
        Assert.Contains(message, error.Message);
        Assert.Equal(1, _requests[blob]);
    }
}
