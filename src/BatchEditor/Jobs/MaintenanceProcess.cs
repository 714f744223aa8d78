using Hangfire.Server;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Jobs;

/// <summary>
/// Maintenance that runs inside every worker's Hangfire server, at a cadence finer than a recurring job's minute. Each
/// round is once cluster-wide where that matters (the rescuer and the folder take a lock; finishing claims each manifest
/// with a guarded statement), so more workers only mean more chances to run on time.
/// </summary>
public abstract partial class MaintenanceProcess(TimeSpan interval, ILogger logger) : IBackgroundProcess
{
    private string? _lastFailure;

    protected abstract string Name { get; }

    protected abstract Task RunOnceAsync(CancellationToken ct);

    public void Execute(BackgroundProcessContext context)
    {
        try
        {
            RunOnceAsync(context.StoppingToken).GetAwaiter().GetResult();
            _lastFailure = null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.IsStopping)
        {
            if (e.Message != _lastFailure) LogFailed(Name, e.Message); // once per cause (a database outage), not every round
            _lastFailure = e.Message;
        }
        context.Wait(interval);
    }

    public override string ToString() => Name; // how Hangfire's logs name the process

    [LoggerMessage(LogLevel.Warning, "{Process}: a round failed ({Reason}); trying again next round")]
    private partial void LogFailed(string process, string reason);
}
