using System.Diagnostics.Metrics;
using BatchEditor.Items;
using Npgsql;

namespace BatchEditor.Telemetry;

/// <summary>
/// Gauges of the whole queue, read from the database: items by state (<c>batch_editor.items</c>) and work due now
/// (<c>batch_editor.queue.depth</c>). An observable gauge is read synchronously by the exporter, so the values come from
/// a snapshot that <see cref="RefreshAsync"/> takes (the metrics endpoint refreshes before it writes; a snapshot younger
/// than <see cref="MaxAge"/> is reused so scrapers cannot make the database count a million rows per request).
/// </summary>
public sealed class QueueGauges
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Snapshot _snapshot = new([], 0, DateTimeOffset.MinValue);

    private sealed record Snapshot(IReadOnlyList<(string State, long Count)> ByState, long Due, DateTimeOffset At);

    public QueueGauges(BatchEditorMetrics metrics, NpgsqlDataSource dataSource, TimeProvider clock)
    {
        _dataSource = dataSource;
        _clock = clock;
        metrics.Meter.CreateObservableGauge("batch_editor.items", () => _snapshot.ByState.Select(s =>
            new Measurement<long>(s.Count, new KeyValuePair<string, object?>("state", s.State))), "{item}", "Items by state.");
        metrics.Meter.CreateObservableGauge("batch_editor.queue.depth", () => _snapshot.Due, "{item}", "Items due for a step now (submit, poll or copy).");
    }

    public async Task RefreshAsync(CancellationToken ct)
    {
        if (_clock.GetUtcNow() - _snapshot.At < MaxAge) return;
        await _refreshing.WaitAsync(ct);
        try
        {
            if (_clock.GetUtcNow() - _snapshot.At < MaxAge) return;
            var active = string.Join(", ", ItemStates.Names(ItemState.Pending, ItemState.Running, ItemState.Copying).Select(s => $"'{s}'"));
            await using var cmd = _dataSource.CreateCommand(
                $"""
                select state, count(*) from items group by state;
                select count(*) from items where state in ({active}) and next_run_at <= now();
                """);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            var byState = new List<(string, long)>();
            while (await r.ReadAsync(ct)) byState.Add((r.GetString(0), r.GetInt64(1)));
            // Every state appears, zero included, so a series does not vanish when its last item leaves.
            foreach (var state in Enum.GetNames<ItemState>().Where(s => byState.All(b => b.Item1 != s))) byState.Add((state, 0));
            await r.NextResultAsync(ct);
            await r.ReadAsync(ct);
            _snapshot = new(byState, r.GetInt64(0), _clock.GetUtcNow());
        }
        finally
        {
            _refreshing.Release();
        }
    }
}
