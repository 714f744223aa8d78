using BatchEditor.Items;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// LISTENs on <see cref="NewWork.Channel"/> on a connection of its own and wakes the dispatcher when an import or an
/// operator makes work due, so new work is claimed at once rather than at the next idle poll. A lost connection is
/// re-opened with back-off, and the dispatcher is woken after each reconnect in case a notice was missed meanwhile.
/// </summary>
public sealed class NewWorkListener(NpgsqlDataSource dataSource, WorkSignal signal, EngineLog log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(stoppingToken);
                conn.Notification += (_, _) => signal.Set();
                await using (var listen = new NpgsqlCommand($"listen {NewWork.Channel}", conn)) await listen.ExecuteNonQueryAsync(stoppingToken);
                failures = 0;
                signal.Set();
                while (!stoppingToken.IsCancellationRequested) await conn.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                log.ListenFailed(e);
                var delay = Backoff.Exponential(++failures, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15));
                try { await Task.Delay(delay, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
