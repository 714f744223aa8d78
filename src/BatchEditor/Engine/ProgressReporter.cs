using BatchEditor.Items;
using BatchEditor.Totals;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// One progress line per manifest this worker is working on, every <see cref="WorkerOptions.ProgressInterval"/>: how many
/// items are done, how they ended, and how many are left, so a log shows a long batch moving without a line per item.
/// </summary>
public sealed partial class ProgressReporter(ManifestsWorked worked, RunningTotals totals, IOptions<WorkerOptions> options, ILogger<ProgressReporter> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ProgressInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var manifests = worked.All;
                if (manifests.Count == 0) continue;
                try
                {
                    var counts = await totals.CountsByManifestAsync(manifests.Select(m => m.Id).ToList(), stoppingToken);
                    foreach (var (id, name) in manifests)
                    {
                        var c = counts.GetValueOrDefault(id) ?? [];
                        var left = ItemStates.Active.Sum(s => c.GetValueOrDefault(s));
                        if (left == 0) continue;
                        LogProgress(name, ItemStates.Final.Sum(s => c.GetValueOrDefault(s)), c.Values.Sum(), c.GetValueOrDefault(ItemState.Succeeded),
                            c.GetValueOrDefault(ItemState.Failed) + c.GetValueOrDefault(ItemState.Expired), c.GetValueOrDefault(ItemState.NeedsReview), left);
                    }
                }
                catch (Npgsql.NpgsqlException)
                {
                    // The database is away: the dispatcher says so; progress resumes with it.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Manifest {Manifest}: {Done}/{Total} done ({Succeeded} succeeded, {Failed} failed or expired, {Review} in review), {Left} to go")]
    private partial void LogProgress(string manifest, long done, long total, long succeeded, long failed, long review, long left);
}
