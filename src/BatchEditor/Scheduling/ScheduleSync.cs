using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Scheduling;

/// <summary>
/// At the start of every long-running host: the stored schedules get their recurring jobs (<see cref="ScheduleControl.SyncAsync"/>),
/// so schedules created before an upgrade fire after it. Tried again until the database takes it.
/// </summary>
public sealed partial class ScheduleSync(ScheduleControl control, ILogger<ScheduleSync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await control.SyncAsync(stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e.Message);
                try { await Task.Delay(Engine.Backoff.Exponential(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not match the schedules' recurring jobs to the stored schedules ({Reason}); trying again")]
    private partial void LogFailed(string reason);
}
