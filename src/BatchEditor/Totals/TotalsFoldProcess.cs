using BatchEditor.Jobs;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Totals;

/// <summary>
/// Folds the deltas the database's triggers append (one per item move, one per ledger statement) into the running totals
/// (<see cref="RunningTotals.FoldAsync"/>; the database lets one fold at a time), so reads stay small. Best effort: until
/// a fold, readers add the deltas themselves and see the same figures.
/// </summary>
public sealed class TotalsFoldProcess(RunningTotals totals, ILogger<TotalsFoldProcess> logger) : MaintenanceProcess(TimeSpan.FromSeconds(5), logger)
{
    protected override string Name => "totals folding";

    protected override Task RunOnceAsync(CancellationToken ct) => totals.FoldAsync(ct);
}
