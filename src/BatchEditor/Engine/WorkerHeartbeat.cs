using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// Keeps this process's row in <c>workers</c> fresh (every <see cref="Interval"/>): name, host, pid, version, steps in
/// flight. The dashboard's Workers page reads it; a row whose heartbeat stopped without <c>stopped_at</c> is a process
/// that died. Best effort: a missed beat only makes the page older, never stops work.
/// </summary>
public sealed partial class WorkerHeartbeat(NpgsqlDataSource dataSource, LeaseKeeper keeper, IOptions<WorkerOptions> options,
    ILogger<WorkerHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public static string Version { get; } =
        typeof(WorkerHeartbeat).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            await BeatAsync(stopped: false, stoppingToken);
        } while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await BeatAsync(stopped: true, cancellationToken);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try { return await timer.WaitForNextTickAsync(ct); }
        catch (OperationCanceledException) { return false; }
    }

    private async Task BeatAsync(bool stopped, CancellationToken ct)
    {
        var opts = options.Value;
        try
        {
            await using var cmd = dataSource.CreateCommand(
                """
                insert into workers (name, host, pid, version, concurrency, in_flight, stopped_at)
                values ($1, $2, $3, $4, $5, $6, case when $7 then now() end)
                on conflict (name) do update set in_flight = excluded.in_flight, heartbeat_at = now(), stopped_at = excluded.stopped_at,
                    version = excluded.version, concurrency = excluded.concurrency
                """);
            cmd.Parameters.AddWithValue(opts.WorkerName);
            cmd.Parameters.AddWithValue(Environment.MachineName);
            cmd.Parameters.AddWithValue(Environment.ProcessId);
            cmd.Parameters.AddWithValue(Version);
            cmd.Parameters.AddWithValue(opts.Concurrency);
            cmd.Parameters.AddWithValue(stopped ? 0 : keeper.InFlight);
            cmd.Parameters.AddWithValue(stopped);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            if (!ct.IsCancellationRequested) BeatFailed(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "worker heartbeat not written: {Reason}")]
    private partial void BeatFailed(string reason);
}
