using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// A real <c>batch-editor web</c> (or <c>worker --dashboard</c>) process on a free port, and an HTTP client for it. The port
/// is the one the process prints ("Dashboard: http://…/dashboard") after binding port 0.
/// </summary>
public sealed partial class DashboardServer : IAsyncDisposable
{
    private DashboardServer(WorkerProcess process, int port)
    {
        Process = process;
        Port = port;
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public WorkerProcess Process { get; }
    public int Port { get; }
    public HttpClient Http { get; }
    public Uri BaseUri => Http.BaseAddress!;

    /// <param name="command">["web"] or ["worker", "--dashboard"]; <c>--urls</c> is added (loopback port 0 unless given).</param>
    public static async Task<DashboardServer> StartAsync(IReadOnlyDictionary<string, string> environment, string[] command, string urls = "http://127.0.0.1:0")
    {
        var process = WorkerProcess.StartCommand(environment, [.. command, "--urls", urls]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (Listening().Match(process.Output) is { Success: true } m) return new DashboardServer(process, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            if (process.HasExited) throw new InvalidOperationException($"the dashboard exited with {process.ExitCode}:\n{process.Output}");
            await Task.Delay(100);
        }
        await process.DisposeAsync();
        throw new TimeoutException($"the dashboard did not start:\n{process.Output}");
    }

    /// <summary>An address of this machine that is not loopback: requests to it arrive as remote requests.</summary>
    public static IPAddress ExternalAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("this machine has no non-loopback IPv4 address to make a remote request from");

    [GeneratedRegex(@"Dashboard: https?://[^\s]*:(\d+)/dashboard")]
    private static partial Regex Listening();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!Process.HasExited) await Process.TerminateAsync();
        try { await Process.WaitForExitAsync(TimeSpan.FromSeconds(20)); }
        finally { await Process.DisposeAsync(); }
    }
}
