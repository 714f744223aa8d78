using BatchEditor.Items;
using BatchEditor.Persistence;
using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// Handles Submitting items whose worker vanished (lease lapsed and not renewed). Whether the submit may have left is
/// read from the send mark on the item row, in the same guarded statement that moves it (see
/// <see cref="ItemTransitions.RescueUnsent"/>): a worker that comes back can no longer mark, and one that marked first
/// keeps its item. Running and Copying items need no rescue: their steps are idempotent and the claim takes them again.
/// Runs in every worker's Hangfire server (<see cref="LeaseRescueProcess"/>), once cluster-wide per round.
/// </summary>
public sealed class LeaseRescuer(NpgsqlDataSource dataSource, ItemClaims claims, ItemTransitions transitions, ProviderRegistry providers)
{
    public sealed record Result(int Requeued, int NeedReview);

    private const long ClusterLockKey = 0x42_45_52_65_73_63_75_65; // "BERescue"

    /// <summary>
    /// One rescue round in the whole cluster at a time: a transaction-scoped advisory lock is held while it runs, so a
    /// worker that dies mid-round frees it with its session. A round that finds the lock taken does nothing.
    /// </summary>
    public async Task<Result> RescueOnceClusterWideAsync(string actor, CancellationToken ct)
    {
        await using var held = await ClusterLock.TryTakeAsync(dataSource, ClusterLockKey, ct);
        return held is null ? new Result(0, 0) : await RescueAsync(actor, ct);
    }

    public async Task<Result> RescueAsync(string actor, CancellationToken ct)
    {
        int requeued = 0, review = 0;
        foreach (var (item, owner, sent) in await claims.LapsedSubmitsAsync(1000, ct))
        {
            // Each is guarded on the lapsed lease and on the send mark: if the worker came back meanwhile, nothing matches.
            if (sent && await transitions.RescueInFlight(item, actor, owner, providers.Estimate(item.Provider, item.Request), ct)) review++;
            else if (!sent && await transitions.RescueUnsent(item, actor, ct)) requeued++;
        }
        return new Result(requeued, review);
    }
}
