using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// An HTTP server on 127.0.0.1:0 that answers from a script, one request per connection, and counts what reached it:
/// connections, requests (as text) and bytes. For tests about what does or does not leave the worker.
/// </summary>
public sealed class RawHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<string> _requests = [];
    private int _connections;
    private long _received;

    public RawHttpServer()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>The raw answer to a request (given its text); 200 with an empty body by default.</summary>
    public Func<string, string> Answer { get; set; } = _ => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);
    public long BytesReceived => Interlocked.Read(ref _received);

    public IReadOnlyList<string> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
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
                var request = await ReadRequestAsync(stream);
                lock (_requests) _requests.Add(request);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(Answer(request)));
            }
            catch (IOException) { } // the client went away
        }
    }

    /// <summary>Reads one request: its head, then a body of its Content-Length or up to the end of its chunks.</summary>
    private async Task<string> ReadRequestAsync(NetworkStream stream)
    {
        var text = new StringBuilder();
        var buffer = new byte[65536];
        while (!Complete(text.ToString()))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0) break;
            Interlocked.Add(ref _received, read);
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return text.ToString();
    }

    private static bool Complete(string request)
    {
        var end = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var head = request[..end];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) return request.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
        var length = head.Split("\r\n").Select(l => l.Split(':', 2)).Where(kv => kv.Length == 2 && kv[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(kv => int.Parse(kv[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        return request.Length - end - 4 >= length;
    }

    public void Dispose() => _listener.Stop();
}
