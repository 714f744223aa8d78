using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BatchEditor.Persistence;
using Npgsql;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// Real PostgreSQL for the tests: the server in <c>BATCHEDITOR_TEST_DB</c> when set, otherwise a throwaway cluster
/// started from the local binaries (as the postgres user when running as root). Each test gets its own database,
/// cloned from a migrated template, so tests run in parallel without seeing each other.
/// </summary>
public sealed class PostgresServer
{
    private const string Template = "batch_editor_template";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);
    private readonly string _adminConnectionString;
    private readonly Func<string, Task>? _control;

    private PostgresServer(string adminConnectionString, Func<string, Task>? control = null)
    {
        _adminConnectionString = adminConnectionString;
        _control = control;
    }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A throwaway cluster of its own, for a test that restarts PostgreSQL under running workers.</summary>
    public static async Task<PostgresServer> StartDedicatedAsync()
    {
        var (admin, control) = await StartThrowawayClusterAsync();
        var server = new PostgresServer(new NpgsqlConnectionStringBuilder(admin) { Database = "postgres", Pooling = false }.ConnectionString, control);
        await server.PrepareTemplateAsync();
        return server;
    }

    /// <summary>Restarts the cluster (fast shutdown: every connection is cut), as an upgrade or a failover would.</summary>
    public Task RestartAsync() => Control("restart");

    /// <summary>Stops the cluster (fast shutdown), as an outage would; <see cref="StartAsync"/> brings it back.</summary>
    public Task StopAsync() => Control("stop");

    public Task StartAsync() => Control("start");

    private Task Control(string action) => (_control ?? throw new InvalidOperationException("only a dedicated cluster can be stopped or restarted"))(action);

    /// <summary>A fresh, migrated database of its own; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t_{Guid.NewGuid():N}";
        await using var conn = new NpgsqlConnection(_adminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"create database {name} template {Template}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var given = Environment.GetEnvironmentVariable("BATCHEDITOR_TEST_DB");
        var admin = given ?? (await StartThrowawayClusterAsync()).ConnectionString;
        var server = new PostgresServer(new NpgsqlConnectionStringBuilder(admin) { Database = "postgres", Pooling = false }.ConnectionString);
        await server.PrepareTemplateAsync();
        return server;
    }

    private async Task PrepareTemplateAsync()
    {
        await using (var conn = new NpgsqlConnection(_adminConnectionString))
        {
            await conn.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop database if exists {Template}", conn);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"create database {Template}", conn);
            await create.ExecuteNonQueryAsync();
        }
        // No pooling: CREATE DATABASE … TEMPLATE refuses while any connection to the template is open.
        var templateCs = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = Template, Pooling = false }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(templateCs);
        await new Migrator(dataSource).MigrateAsync(Path.Combine(AppContext.BaseDirectory, "migrations"), CancellationToken.None);
    }

    private static async Task<(string ConnectionString, Func<string, Task> Control)> StartThrowawayClusterAsync()
    {
        var bin = FindBinaries();
        var dir = Path.Combine(Path.GetTempPath(), $"batch-editor-test-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var root = Environment.UserName == "root";
        if (root) await RunAsync("chown", ["postgres:postgres", dir], asPostgres: false);
        var data = Path.Combine(dir, "data");
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], root);
        var port = FreePort();
        // Durability is not under test here: fsync off makes the suite several times faster.
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"),
            $"\nlisten_addresses='127.0.0.1'\nport={port}\nunix_socket_directories='{dir}'\nmax_connections=300\nfsync=off\nsynchronous_commit=off\nfull_page_writes=off\n");
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(dir, "server.log"), "-w", "start"], root);
        StartWatchdog(Path.Combine(bin, "pg_ctl"), data, dir, root);
        Task Control(string action) => RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(dir, "server.log"), "-m", "fast", "-w", action], root);
        return ($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", Control);
    }

    /// <summary>
    /// A detached shell that stops the cluster and deletes its folder once this test host is gone, however it ends (the
    /// test runner may kill it without running exit handlers): no server or data is left behind on a CI machine.
    /// </summary>
    private static void StartWatchdog(string pgCtl, string data, string dir, bool asPostgres)
    {
        var stop = $"{(asPostgres ? "runuser -u postgres -- " : "")}'{pgCtl}' -D '{data}' -m immediate stop";
        var watch = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop}; rm -rf '{dir}'";
        // setsid and a background job: the watchdog leaves this process's tree, so killing the tree does not kill it.
        using var launcher = Process.Start(new ProcessStartInfo("bash", ["-c", $"setsid bash -c \"{watch}\" >/dev/null 2>&1 </dev/null &"])
        {
            UseShellExecute = false,
        })!;
        launcher.WaitForExit();
    }

    private static string FindBinaries()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("BATCHEDITOR_PG_BIN") };
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'));
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")));
        return candidates.FirstOrDefault(d => !string.IsNullOrEmpty(d) && File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL server binaries (initdb) not found: run scripts/test.sh, which installs them, or set BATCHEDITOR_TEST_DB.");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] args, bool asPostgres)
    {
        var start = asPostgres ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {await stderr}");
    }
}
