using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Storage.AzureBlob;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Which Blob answers the SDK, as BatchEditor configures it, retries. Azurite cannot be made to answer 503 on demand, so
/// a real HTTP server plays a busy Blob endpoint here; everything else about the store is proven against Azurite.
/// </summary>
public class BlobRetryTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private WebApplication _server = null!;
    private BlobContainerClient _container = null!;

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
            context.Response.Headers.ETag = "\"0x1\"";
            return Results.StatusCode(status);
        });
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var connectionString = AzuriteServer.DevelopmentStorage.Replace("http://127.0.0.1:10000", address.TrimEnd('/'), StringComparison.Ordinal);
        _container = new BlobServiceClient(connectionString, AzureBlobAccount.ClientOptions(TimeSpan.FromMilliseconds(10))).GetBlobContainerClient("c");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task Put(string blob) => _container.GetBlobClient(blob).UploadAsync(BinaryData.FromBytes([1, 2, 3]));

    [Theory]
    [InlineData("busy.png", 3)]
    [InlineData("throttled.png", 2)]
    public async Task Busy_and_throttled_answers_are_retried_until_the_write_lands(string blob, int requests)
    {
        await Put(blob);
        Assert.Equal(requests, _requests[blob]);
    }

    [Theory]
    [InlineData("bad.png", 400, "InvalidHeaderValue")]
    [InlineData("denied.png", 403, "AuthenticationFailed")]
    public async Task Other_client_errors_are_final_after_one_request(string blob, int status, string code)
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Put(blob));
        Assert.Equal((status, code), (error.Status, error.ErrorCode));
        Assert.Equal(1, _requests[blob]);
    }
}
