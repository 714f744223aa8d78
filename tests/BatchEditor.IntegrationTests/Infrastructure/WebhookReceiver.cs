using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using BatchEditor.Webhooks;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>A real HTTP endpoint on loopback that records what is POSTed to it and answers with queued status codes (200 when none).</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();

    public WebhookReceiver()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/hooks/batch/";
        }
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Url { get; }

    /// <summary>Every request received: its signature header and its raw body.</summary>
    public ConcurrentQueue<(string Signature, byte[] Body)> Received { get; } = new();

    /// <summary>Status codes for the next requests, in order.</summary>
    public ConcurrentQueue<int> Answers { get; } = new();

    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Received.Enqueue((context.Request.Headers[WebhookSignature.Header] ?? "", body.ToArray()));
            context.Response.StatusCode = Answers.TryDequeue(out var status) ? status : 200;
            context.Response.Close();
        }
    }
}
