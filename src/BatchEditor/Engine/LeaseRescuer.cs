using BatchEditor.Items;
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
public sealed class LeaseRescuer(NpgsqlDataSource dataSource, ItemTransitions transitions, ProviderRegistry providers)
{
    public sealed record Result(int Requeued, int NeedReview);

    private const long ClusterLockKey = 0x42_45_52_65_73_63_75_65; // "BERescue"

    /// <summary>
    /// One rescue round in the whole cluster at a time: a transaction-scoped advisory lock is held while it runs, so a
    /// worker that dies mid-round frees it with its session. A round that finds the lock taken does nothing.
    /// </summary>
    public async Task<Result> RescueOnceClusterWideAsync(string actor, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand($"select pg_try_advisory_xact_lock({ClusterLockKey})", conn, tx))
            if (!(bool)(await take.ExecuteScalarAsync(ct))!) return new Result(0, 0);
        var result = await RescueAsync(actor, ct);
        await tx.CommitAsync(ct);
        return result;
    }

    public async Task<Result> RescueAsync(string actor, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            select {ClaimedItem.Columns}, i.lease_owner as lapsed_owner, i.submit_sent_at is not null as sent,
                   (select max(a.id) from provider_attempts a where a.item_id = i.id) as attempt_id
            from items i
            where i.state = {StateSql.Submitting} and i.lease_expires_at < now()
            limit 1000
            """);
        var lapsed = new List<(ClaimedItem Item, string Owner, bool Sent)>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            // This statement's own columns follow ClaimedItem's, found by name.
            int owner = r.GetOrdinal("lapsed_owner"), sent = r.GetOrdinal("sent"), attempt = r.GetOrdinal("attempt_id");
            while (await r.ReadAsync(ct))
                lapsed.Add((ClaimedItem.Read(r, r.IsDBNull(attempt) ? null : r.GetInt64(attempt)), r.IsDBNull(owner) ? "?" : r.GetString(owner), r.GetBoolean(sent)));
        }

        int requeued = 0, review = 0;
        foreach (var (item, owner, sent) in lapsed)
        {
            // Each is guarded on the lapsed lease and on the send mark: if the worker came back meanwhile, nothing matches.
            if (sent && await transitions.RescueInFlight(item, actor, owner, providers.Estimate(item.Provider, item.Request), ct)) review++;
            else if (!sent && await transitions.RescueUnsent(item, actor, ct)) requeued++;
        }
        return new Result(requeued, review);
    }
}
