using Microsoft.Extensions.Hosting;
using Npgsql;
using Quartz;

namespace BatchEditor.Scheduling;

/// <summary>
/// On a clean stop, after Quartz has shut down, removes this process's row from Quartz's cluster table
/// (<c>qrtz_scheduler_state</c>). Quartz leaves it, and the next worker would then report "detected 1 failed or
/// restarted instances" for a process that stopped cleanly; a row left by a process that died stays, and that warning
/// stays true. Registered before Quartz's hosted service, so it stops after it.
/// </summary>
public sealed class SchedulerRecordCleanup(ISchedulerFactory schedulers, NpgsqlDataSource dataSource) : IHostedService
{
    private string? _scheduler, _instance;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        (_scheduler, _instance) = (scheduler.SchedulerName, scheduler.SchedulerInstanceId);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is null || _instance is null) return;
        try
        {
            await using var cmd = dataSource.CreateCommand("delete from qrtz_scheduler_state where sched_name = $1 and instance_name = $2");
            cmd.Parameters.AddWithValue(_scheduler);
            cmd.Parameters.AddWithValue(_instance);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException)
        {
            // The database is away: the row stays, and the next start says so, which is then true.
        }
    }
}
