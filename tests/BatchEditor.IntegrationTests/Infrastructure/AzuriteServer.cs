using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using BatchEditor.Storage.AzureBlob;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// A real Azurite blob service (npm package pinned in package.json, installed by <c>npm ci</c>) run as a child node
/// process on a free port, persisting to a temporary folder so that it can be stopped and started again with its data.
/// One is shared by the tests through <see cref="Shared"/>; fault tests start their own.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    private static readonly Lazy<Task<AzuriteServer>> SharedServer = new(() => StartAsync());
    private readonly string _location = Directory.CreateTempSubdirectory("azurite-").FullName;
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>Azurite's well-known development account (the key is public, the same in every emulator).</summary>
    public const string DevelopmentStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    /// <summary>The development-storage account, at this server.</summary>
    public string ConnectionString =>
        DevelopmentStorage.Replace("http://127.0.0.1:10000/", $"http://127.0.0.1:{Port}/", StringComparison.Ordinal);

    /// <summary>Microsoft's client for this server's account, with the account key, as the tests' own eyes.</summary>
    public BlobServiceClient Client() => new(ConnectionString, AzureBlobAccount.ClientOptions());

    public static Task<AzuriteServer> Shared => SharedServer.Value;

    /// <summary>
    /// Runs node ("$0" is Azurite's main.js); SIGTERM is passed on; exits with node, or stops it when PARENT exits and
    /// then deletes its data folder (LOCATION), so no test run leaves Azurite data behind however it ends.
    /// </summary>
    private const string Watchdog = """
        node "$0" "$@" & child=$!
        trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM
        while kill -0 PARENT 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1 & wait $!; done
        kill -TERM $child 2>/dev/null; wait $child
        if ! kill -0 PARENT 2>/dev/null; then rm -rf 'LOCATION'; fi
        """;

    public static async Task<AzuriteServer> StartAsync()
    {
        var server = new AzuriteServer();
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the process (again, on the same port and data after <see cref="StopAsync"/>).</summary>
    public async Task StartAgainAsync()
    {
        var main = Path.Combine(FaultReport.RepositoryRoot(), "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(main)) throw new InvalidOperationException($"Azurite is not installed ({main} is missing): run `npm ci` in the repository root");
        // Through a small bash watchdog: node is stopped when this test host goes away, however it ends.
        var info = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", Watchdog.Replace("PARENT", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("LOCATION", _location, StringComparison.Ordinal),
                main, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--location", _location, "--skipApiVersionCheck", "--disableTelemetry", "--loose" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m) listening.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != listening.Task)
        {
            lock (output) throw new InvalidOperationException($"Azurite did not start:\n{output}");
        }
        Port = await listening.Task;
    }

    /// <summary>
    /// Stops the service with SIGTERM (through the watchdog), so the emulator saves its metadata as a real service keeps its data through an
    /// outage (killed outright, Azurite loses what it had not yet saved, which Azure never does); killed if it hangs.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await term.WaitForExitAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _process.WaitForExitAsync(patience.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_location, recursive: true); } catch (IOException) { }
    }

    /// <summary>One blob as Microsoft's JavaScript client read it back (read-blobs.mjs).</summary>
    public sealed record JsBlob(string Name, string? ContentType, string? ContentMd5, Dictionary<string, string> Metadata, long Length, string BytesMd5);

    /// <summary>Every blob of <paramref name="container"/>, read back with Microsoft's JavaScript client: a second reader, independent of the SDK that wrote them.</summary>
    public async Task<List<JsBlob>> ReadWithJavaScriptClientAsync(string container)
    {
        var script = Path.Combine(FaultReport.RepositoryRoot(), "tests", "BatchEditor.IntegrationTests", "Infrastructure", "read-blobs.mjs");
        var info = new ProcessStartInfo("node") { ArgumentList = { script, ConnectionString, container }, RedirectStandardOutput = true, RedirectStandardError = true };
        using var node = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(patience.Token);
        if (node.ExitCode != 0) throw new InvalidOperationException($"read-blobs.mjs exited {node.ExitCode}: {await stderr}");
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        return [.. (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => System.Text.Json.JsonSerializer.Deserialize<JsBlob>(line, options)!)];
    }

    [GeneratedRegex(@"successfully listens on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
