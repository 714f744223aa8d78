using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>The real web host (the same <c>WebHost.Build</c> as <c>batch-editor web</c>) on a TestServer in the test's process.</summary>
public sealed class InProcessWeb(WebApplication app) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    /// <summary>A GET from this machine (loopback socket, loopback Host), answered in process.</summary>
    public Task<(HttpStatusCode Status, string Body)> GetAsync(string pathAndQuery) => SendAsync(HttpMethods.Get, pathAndQuery);

    /// <summary>A POST of <paramref name="body"/> as <paramref name="contentType"/> from this machine, answered in process.</summary>
    public Task<(HttpStatusCode Status, string Body)> PostAsync(string pathAndQuery, string body, string contentType) =>
        SendAsync(HttpMethods.Post, pathAndQuery, body, contentType);

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(string method, string pathAndQuery, string? body = null, string? contentType = null)
    {
        var context = await App.GetTestServer().SendAsync(c =>
        {
            var (path, query) = pathAndQuery.Split('?', 2) is [var p, var q] ? (p, "?" + q) : (pathAndQuery, "");
            c.Request.Method = method;
            if (body is not null)
            {
                c.Request.ContentType = contentType;
                c.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body));
            }
            c.Request.Path = path;
            c.Request.QueryString = new QueryString(query);
            c.Request.Host = new HostString("127.0.0.1");
            c.Connection.RemoteIpAddress = IPAddress.Loopback;
        });
        using var reader = new StreamReader(context.Response.Body);
        return ((HttpStatusCode)context.Response.StatusCode, await reader.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
