using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// A plain HTTP forward proxy on 127.0.0.1 (absolute-form requests, as <c>HTTP_PROXY</c> makes clients send them), for
/// tests of what a worker asks a proxy for. It records every target it is asked for and forwards it, one request per
/// connection; <see cref="Route"/> sends a host to another address (a public-looking name served by the simulator).
/// </summary>
public sealed class ForwardProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ForwardProxy()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Every absolute URI a client asked for, in order.</summary>
    public ConcurrentQueue<string> Requested { get; } = new();

    /// <summary>host:port as asked → host:port connected to.</summary>
    public ConcurrentDictionary<string, string> Route { get; } = new(StringComparer.OrdinalIgnoreCase);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream);
                var lines = head.Split("\r\n");
                var parts = lines[0].Split(' ');
                var target = new Uri(parts[1]);
                Requested.Enqueue(target.AbsoluteUri);
                var asked = $"{target.Host}:{target.Port}";
                var to = Route.TryGetValue(asked, out var routed) ? routed : asked;
                var length = lines.Select(l => l.Split(':', 2)).Where(kv => kv.Length == 2 && kv[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    .Select(kv => int.Parse(kv[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                var body = new byte[length];
                await stream.ReadExactlyAsync(body);

                using var upstream = new TcpClient();
                var (host, port) = (to[..to.LastIndexOf(':')], int.Parse(to[(to.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
                await upstream.ConnectAsync(host, port);
                var up = upstream.GetStream();
                var request = new StringBuilder($"{parts[0]} {target.PathAndQuery} HTTP/1.1\r\n");
                foreach (var line in lines.Skip(1).Where(l => l.Length > 0 && !l.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)))
                    request.Append(line).Append("\r\n");
                request.Append("Connection: close\r\n\r\n");
                await up.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
                await up.WriteAsync(body);
                await up.CopyToAsync(stream);
            }
            catch (Exception e) when (e is IOException or SocketException or UriFormatException or FormatException)
            {
                // The client or the target went away: nothing to forward.
            }
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0) throw new IOException("closed before the request head ended");
            head.Add(one[0]);
        }
        return Encoding.ASCII.GetString(head.ToArray(), 0, head.Count - 4);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
