using BatchEditor.Persistence;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// The one path every state change takes, whoever asks for it (worker steps, the rescuer, operators through the CLI or
/// the dashboard): a guarded compare-and-set, then in the same transaction the history rows, the ledger rows, the
/// outputs, the attempt record and, when work became due, a wake-up for idle workers. Transient database faults are
/// retried (<see cref="DatabaseRetry"/>).
/// </summary>
public sealed partial class TransitionApplier(NpgsqlDataSource dataSource, Telemetry.BatchEditorMetrics metrics, ILogger<TransitionApplier> logger)
{
    /// <summary>Applies <paramref name="t"/>; returns the items that moved (none when the guard no longer matched).</summary>
    internal async Task<List<TransitionSql.Moved>> ApplyAsync(Transition t, CancellationToken ct) =>
        await DatabaseRetry.RunAsync(async token => await ApplyOnceAsync(t, token), ct);

    /// <summary>Applies a transition of one item; false when its guard no longer matched.</summary>
    internal async Task<bool> ApplyToOneAsync(Transition t, CancellationToken ct) => (await ApplyAsync(t, ct)).Count == 1;

    private async Task<List<TransitionSql.Moved>> ApplyOnceAsync(Transition t, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var moved = await ApplyWithinAsync(conn, tx, t, ct);
        if (moved.Count == 0) return moved; // lost the lease, or the state moved on: the caller decides what that means
        await tx.CommitAsync(ct);
        Applied(t, moved);
        return moved;
    }

    /// <summary>
    /// Applies <paramref name="t"/> inside a transaction the caller owns (the submission claim's); the caller calls
    /// <see cref="Applied"/> once it has committed.
    /// </summary>
    internal async Task<List<TransitionSql.Moved>> ApplyWithinAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Transition t, CancellationToken ct)
    {
        var moved = await TransitionSql.UpdateAsync(conn, tx, t, ct);
        if (moved.Count > 0 && t.WakesWorkers) await NewWork.NotifyAsync(conn, tx, ct);
        return moved;
    }

    /// <summary>Counts and logs a committed transition.</summary>
    internal void Applied(Transition t, List<TransitionSql.Moved> moved)
    {
        if (moved.Count == 0) return;
        foreach (var m in moved) metrics.Transitioned(t.To.ToString(), m.Provider);
        Log(t, moved);
        if (moved is [var one])
            foreach (var e in t.Ledger.OfType<LedgerEntry>()) metrics.Booked(one.Provider, e.Kind, e.Estimated, e.Credits, e.CostUsd);
    }

    /// <summary>
    /// Every state change, as a structured log line (item, manifest, provider, states, reason): the ones that need a
    /// person or explain a delay (failed, expired, review, held, cancelled, sent back to wait) at Warning or Information,
    /// the routine ones at Debug. A bulk operator action is one line.
    /// </summary>
    private void Log(Transition t, List<TransitionSql.Moved> moved)
    {
        if (moved.Count > 1)
        {
            // A claim is routine work, not a person's bulk action.
            LogBulk(t.Claim is null ? LogLevel.Information : LogLevel.Debug, moved.Count, t.To, t.Actor, t.Reason);
            return;
        }
        var m = moved[0];
        var level = t.To switch
        {
            ItemState.Failed or ItemState.Expired or ItemState.NeedsReview => LogLevel.Warning,
            ItemState.Held or ItemState.Cancelled => LogLevel.Information,
            _ when t.Claim is not null => LogLevel.Debug,
            ItemState.Pending when m.FromState is not (nameof(ItemState.Pending) or nameof(ItemState.Held)) => LogLevel.Information, // a retry
            _ => LogLevel.Debug,
        };
        LogMove(level, m.Id, m.ManifestId, m.Provider, m.FromState, t.To, t.Reason);
    }

    [LoggerMessage(EventId = 100, Message = "Item {ItemId} (manifest {ManifestId}, {Provider}): {FromState} -> {ToState}: {Reason}")]
    private partial void LogMove(LogLevel level, long itemId, Guid manifestId, string provider, string fromState, ItemState toState, string reason);

    [LoggerMessage(EventId = 101, Message = "{Count} items -> {ToState} by {Actor}: {Reason}")]
    private partial void LogBulk(LogLevel level, int count, ItemState toState, string actor, string reason);
}
