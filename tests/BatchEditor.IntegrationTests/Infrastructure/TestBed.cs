using BatchEditor.Engine;
using BatchEditor.Manifests;
using BatchEditor.Operations;
using BatchEditor.ProviderSim;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// One test's world: its own migrated database, a provider simulator on 127.0.0.1:0, a storage folder, and the
/// settings that point BatchEditor at them, usable in-process or as environment variables for the real binary.
/// </summary>
public sealed class TestBed : IAsyncDisposable
{
    private TestBed(string connectionString, SimulatorServer sim, string storageRoot)
    {
        ConnectionString = connectionString;
        Sim = sim;
        StorageRoot = storageRoot;
        Db = NpgsqlDataSource.Create(connectionString);
        Settings = new()
        {
            ["ConnectionStrings:BatchEditor"] = connectionString,
            ["Storage:Root"] = storageRoot,
            ["Providers:PixelDojo:CreditPriceUsd"] = "0.01",
            // The simulator serves its outputs from loopback.
            ["Downloads:AllowPrivateNetworks"] = "true",
            ["Worker:IdlePollInterval"] = "00:00:00.100",
            ["Worker:FirstRetryDelay"] = "00:00:00.100",
            ["Database:IdleInTransactionTimeout"] = "00:00:05",
            ["Worker:RescueInterval"] = "00:00:01",
            ["Jobs:SchedulePollingInterval"] = "00:00:01",
            ["Jobs:QueuePollInterval"] = "00:00:00.500",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (section, baseUrl) in sim.BaseUrls) ProviderSettings(Settings, section, baseUrl);
    }

    /// <summary>Points one provider at the simulator with fast polls and generous caps.</summary>
    public static void ProviderSettings(IDictionary<string, string?> settings, string section, string baseUrl)
    {
        settings[$"Providers:{section}:BaseUrl"] = baseUrl;
        settings[$"Providers:{section}:ApiKey"] = "test-key";
        settings[$"Providers:{section}:FirstPollDelay"] = "00:00:00.200";
        settings[$"Providers:{section}:MinPollInterval"] = "00:00:00.200";
        settings[$"Providers:{section}:MaxPollInterval"] = "00:00:01";
        settings[$"Providers:{section}:MaxConcurrency"] = "50";
        settings[$"Providers:{section}:RequestsPerMinute"] = "10000";
        settings[$"Providers:{section}:RequestTimeout"] = "00:00:05";
    }

    public string ConnectionString { get; }
    public SimulatorServer Sim { get; }
    public string StorageRoot { get; }
    public NpgsqlDataSource Db { get; }

    /// <summary>What the in-process hosts logged; a worker that does not go idle reports its tail.</summary>
    public LogCapture Log { get; } = new();

    /// <summary>Configuration keys as in appsettings ("Section:Key"); change them before building a host.</summary>
    public Dictionary<string, string?> Settings { get; }

    public static async Task<TestBed> StartAsync(SimulatorOptions? sim = null, PostgresServer? postgres = null)
    {
        var server = postgres ?? await PostgresServer.GetAsync();
        var cs = await server.CreateDatabaseAsync();
        var simulator = await SimulatorServer.StartAsync(sim ?? new SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(300), ImageScale = 0.25 });
        var storage = Directory.CreateTempSubdirectory("batch-editor-test-out-").FullName;
        return new TestBed(cs, simulator, storage);
    }

    public IHost BuildHost(bool worker = false, Action<WorkerOptions>? overrides = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole();
        builder.Logging.AddProvider(Log).AddFilter<LogCapture>(null, LogLevel.Debug);
        builder.Services.AddBatchEditorCore(builder.Configuration);
        if (worker) builder.Services.AddBatchEditorWorker(builder.Configuration, overrides);
        return builder.Build();
    }

    /// <summary>
    /// The web host (dashboard and API) in this process on a TestServer, with this bed's settings: no port, no process.
    /// Requests from <see cref="InProcessWeb.SendAsync"/> come from loopback, as a browser on this machine would.
    /// </summary>
    public async Task<InProcessWeb> StartWebAsync()
    {
        var app = BatchEditor.Host.Web.WebHost.Build(urls: null, withWorker: false, configure: b =>
        {
            b.Configuration.AddInMemoryCollection(Settings);
            b.WebHost.UseTestServer();
            b.Logging.AddProvider(Log).AddFilter<LogCapture>(null, LogLevel.Debug);
        });
        await app.StartAsync();
        return new InProcessWeb(app);
    }

    /// <summary>Validates and imports a manifest through the same reader and importer the CLI uses.</summary>
    public async Task<ManifestImporter.Imported> ImportAsync(string csv, string? name = null, ManifestDefaults? defaults = null, int priority = 0, ManifestSettings? settings = null)
    {
        using var host = BuildHost();
        defaults ??= new ManifestDefaults(Provider: "pixeldojo");
        var parsed = host.Services.GetRequiredService<ManifestReader>().Read(new StringReader(csv), defaults);
        if (parsed.Errors.Count > 0) throw new InvalidOperationException(string.Join("\n", parsed.Errors));
        return await host.Services.GetRequiredService<ManifestImporter>().ImportAsync(
            parsed.Rows, name, "test.csv", Guid.NewGuid().ToString(), defaults.Provider ?? Providers.RouteChoice.ParseRoute(defaults.Route!)[0].Provider, force: false, CancellationToken.None, settings ?? new ManifestSettings(priority));
    }

    /// <summary>Runs an in-process worker with --until-idle semantics and waits for it to exit.</summary>
    public async Task RunWorkerUntilIdleAsync(TimeSpan timeout, Action<WorkerOptions>? overrides = null)
    {
        using var host = BuildHost(worker: true, o => { o.UntilIdle = true; overrides?.Invoke(o); });
        using var cts = new CancellationTokenSource(timeout);
        await host.RunAsync(cts.Token);
        if (cts.IsCancellationRequested)
            throw new TimeoutException($"worker did not go idle within {timeout}; items: {string.Join("; ", (await ItemsAsync()).Take(20).Select(i => $"{i.RowId} {i.State} {i.Reason}"))}; " +
                $"Hangfire jobs not done: {await HangfireJobsNotDoneAsync()}; log:\n{Log.Tail(100)}");
    }

    /// <summary>Hangfire's jobs that have not succeeded, with their queue entries and its locks, for a test that timed out.</summary>
    private async Task<string> HangfireJobsNotDoneAsync()
    {
        async Task<string?> Text(string sql)
        {
            await using var cmd = Db.CreateCommand(sql);
            return await cmd.ExecuteScalarAsync() as string;
        }
        var jobs = await Text(
            """
            select string_agg(format('#%s %s %s (created %s; queue %s fetched %s; states %s)', j.id, j.statename,
                       j.invocationdata::json->>'Method', j.createdat::time, q.queue, q.fetchedat::time,
                       (select string_agg(s.name || ' ' || s.createdat::time, ', ' order by s.id) from hangfire.state s where s.jobid = j.id)), '; ')
            from hangfire.job j left join hangfire.jobqueue q on q.jobid = j.id
            where j.statename is distinct from 'Succeeded' and j.statename is distinct from 'Deleted'
            """);
        var locks = await Text("select string_agg(resource || ' ' || acquired::time, ', ') from hangfire.lock");
        return $"{jobs ?? "none"}; locks: {locks ?? "none"}";
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 50 ms; throws with the items' states on timeout.</summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what ?? "condition"} not met in time; items: {string.Join("; ", (await ItemsAsync()).Take(20).Select(i => $"{i.RowId} {i.State} {i.Reason}"))}");
            await Task.Delay(50);
        }
    }

    /// <summary>As an operator would after checking the provider: adopt jobs that exist, resubmit those that do not.</summary>
    public async Task<(int Adopted, int Resubmitted)> SettleReviewsAsync()
    {
        using var host = BuildHost();
        var actions = host.Services.GetRequiredService<OperatorActions>();
        var reviews = await host.Services.GetRequiredService<ReviewQueries>().InStateAsync(Items.ItemState.NeedsReview, null, 10_000, CancellationToken.None);
        int adopted = 0, resubmitted = 0;
        foreach (var item in reviews)
        {
            var prompt = await ScalarAsync<string>("select prompt from items where id = $1", item.Id);
            var job = Sim.State.Jobs.Values.Where(j => j.Prompt == prompt).OrderBy(j => j.CreatedAt).LastOrDefault();
            var outcome = job is not null
                ? await actions.AdoptAsync(item.Id, job.Id, "test operator", CancellationToken.None)
                : await actions.ResubmitAsync(item.Id, "test operator", CancellationToken.None);
            Assert.True(outcome.Done, outcome.Message);
            _ = job is not null ? adopted++ : resubmitted++;
        }
        return (adopted, resubmitted);
    }

    public async Task ExecAsync(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Every row of a query, each as its column values (DBNull for null).</summary>
    public async Task<List<object[]>> RowsAsync(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await r.ReadAsync())
        {
            var values = new object[r.FieldCount];
            r.GetValues(values);
            rows.Add(values);
        }
        return rows;
    }

    public async Task<List<(string RowId, string State, string Reason)>> ItemsAsync()
    {
        await using var cmd = Db.CreateCommand("select row_id, state, reason from items order by line");
        await using var r = await cmd.ExecuteReaderAsync();
        var items = new List<(string, string, string)>();
        while (await r.ReadAsync()) items.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
        return items;
    }

    /// <summary>The settings as environment variables (Section__Key) for a child process.</summary>
    public Dictionary<string, string> EnvironmentVariables() =>
        Settings.Where(s => s.Value is not null).ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        await Sim.DisposeAsync();
        try { Directory.Delete(StorageRoot, recursive: true); } catch (IOException) { }
    }
}
