using BatchEditor.Items;
using BatchEditor.Jobs;
using BatchEditor.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// Every <see cref="WorkerOptions.RouteInterval"/>: the providers that cannot take work now — circuit breaker open, or
/// paused (by an operator, a spent day budget, the credits floor, failing copies) — and, for each, its Pending items
/// with a route moved to their next choice that can (configured on this worker, neither open nor paused). Jobs already
/// sent stay where they are; an item with a possibly-billed attempt never moves (<see cref="RouteMoves"/>).
/// </summary>
public sealed partial class RouteMover(RouteMoves moves, ProviderBreaker breakers, ProviderPauses pauses, ProviderRegistry providers,
    IOptions<WorkerOptions> options, ILogger<RouteMover> logger)
{
    /// <summary>Most moves of one round (each up to <see cref="RouteMoves.Batch"/> items); the next round goes on.</summary>
    private const int MovesPerRound = 20;

    /// <returns>How many items moved.</returns>
    public async Task<int> MoveOnceAsync(CancellationToken ct)
    {
        var blocked = await pauses.ActiveAsync(ct);
        foreach (var open in await breakers.OpenAsync(ct)) blocked[open] = "circuit breaker open";
        if (blocked.Count == 0) return 0;
        var able = providers.Names.Where(p => providers.TryGet(p, out _, out _) && !blocked.ContainsKey(p)).ToArray();
        if (able.Length == 0) return 0;
        var moved = 0;
        var rounds = 0;
        foreach (var (provider, why) in blocked)
            while (rounds++ < MovesPerRound && await moves.WaitingRouteAsync(provider, able, ct) is var (route, current, next))
            {
                var count = await moves.MoveAsync(current, route, next, why, $"router@{options.Value.WorkerName}", ct);
                if (count > 0) LogMoved(count, provider, next.Provider, why);
                moved += count;
                if (count == 0) break; // raced with another worker, or held by a possibly-billed attempt: next round
            }
        return moved;
    }

    [LoggerMessage(LogLevel.Warning, "Moved {Count} waiting item(s) from {From} to {To} on their route: {Why}")]
    private partial void LogMoved(int count, string from, string to, string why);
}

/// <summary>Runs the <see cref="RouteMover"/> in the worker's Hangfire server.</summary>
public sealed class RouteMoveProcess(RouteMover mover, IOptions<WorkerOptions> options, ILogger<RouteMoveProcess> logger)
    : MaintenanceProcess(options.Value.RouteInterval, logger)
{
    protected override string Name => "route moves";

    protected override Task RunOnceAsync(CancellationToken ct) => mover.MoveOnceAsync(ct);
}
