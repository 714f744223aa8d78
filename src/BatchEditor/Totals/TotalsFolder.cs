using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Totals;

/// <summary>
/// Folds the deltas the database's triggers append (one per item move, one per ledger statement) into the running
/// totals every <see cref="Interval"/>, so reads stay small. Every worker and web host runs one; the database lets one
/// fold at a time. Best effort: until a fold, readers add the deltas themselves and see the same figures.
/// </summary>
public sealed partial class TotalsFolder(RunningTotals totals, ILogger<TotalsFolder> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private string? _lastFailure;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await totals.FoldAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (e.Message != _lastFailure) LogFoldFailed(e.Message); // once per cause, not every five seconds
                    _lastFailure = e.Message;
                    continue;
                }
                _lastFailure = null;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not fold the running totals (figures stay exact; reads get slower until a fold succeeds): {Reason}")]
    private partial void LogFoldFailed(string reason);
}
