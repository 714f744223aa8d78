using System.Diagnostics.Metrics;
using BatchEditor.Items;
using BatchEditor.Totals;
using BatchEditor.ReadModel;

namespace BatchEditor.Telemetry;

/// <summary>
/// Gauges of the whole queue, read from the database: items by state (<c>batch_editor.items</c>) and work due now
/// (<c>batch_editor.queue.depth</c>). An observable gauge is read synchronously by the exporter, so the values come from
/// a snapshot that <see cref="RefreshAsync"/> takes: <c>/metrics</c> refreshes it before the exporter writes, and a read
/// that finds it stale (an OTLP export) starts a refresh for the next one. A snapshot younger than <see cref="MaxAge"/>
/// is reused, so scrapers cannot make the database count a million rows per request.
/// </summary>
public sealed class QueueGauges
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly RunningTotals _totals;
    private readonly ManifestQueries _manifests;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Snapshot _snapshot = new([], 0, DateTimeOffset.MinValue);

    private sealed record Snapshot(IReadOnlyList<(string State, long Count)> ByState, long Due, DateTimeOffset At);

    public QueueGauges(BatchEditorMetrics metrics, RunningTotals totals, ManifestQueries manifests, TimeProvider clock)
    {
        _totals = totals;
        _manifests = manifests;
        _clock = clock;
        metrics.Meter.CreateObservableGauge("batch_editor.items", () => Current().ByState.Select(s =>
            new Measurement<long>(s.Count, new KeyValuePair<string, object?>("state", s.State))), "{item}", "Items by state.");
        metrics.Meter.CreateObservableGauge("batch_editor.queue.depth", () => Current().Due, "{item}", "Items due for a step now (submit, poll or copy).");
    }

    /// <summary>The snapshot as it is; a stale one is refreshed in the background for the next read.</summary>
    private Snapshot Current()
    {
        var snapshot = _snapshot;
        if (_clock.GetUtcNow() - snapshot.At >= MaxAge && _refreshing.CurrentCount > 0)
            _ = Task.Run(async () =>
            {
                try { await RefreshAsync(CancellationToken.None); }
                catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException) { } // the next read tries again
            });
        return snapshot;
    }

    public async Task RefreshAsync(CancellationToken ct)
    {
        if (_clock.GetUtcNow() - _snapshot.At < MaxAge) return;
        await _refreshing.WaitAsync(ct);
        try
        {
            if (_clock.GetUtcNow() - _snapshot.At < MaxAge) return;
            var counts = await _totals.CountsAsync(null, ct);
            // Every state appears, zero included, so a series does not vanish when its last item leaves.
            var byState = Enum.GetValues<ItemState>().Select(s => (s.ToString(), counts.GetValueOrDefault(s))).ToList();
            _snapshot = new(byState, await _manifests.DueCountAsync(ct), _clock.GetUtcNow());
        }
        finally
        {
            _refreshing.Release();
        }
    }
}
