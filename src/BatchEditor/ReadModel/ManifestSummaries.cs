using BatchEditor.Items;
using BatchEditor.Providers;
using BatchEditor.Totals;
using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

/// <summary>A manifest's progress and money: what is done, what it cost so far, what it will cost and when it will end.</summary>
/// <param name="EstimatedTotal">What has been booked plus, for every item not yet submitted, the provider's estimate.</param>
/// <param name="PerMinute">Items that finished in the last ten minutes, per minute.</param>
/// <param name="WorkerRunning">Whether any worker is running: without one, active items wait and there is no ETA.</param>
public sealed record ManifestSummary(ManifestRecord Manifest, IReadOnlyDictionary<ItemState, long> Counts, Money Spent, Money EstimatedTotal,
    double PerMinute, bool WorkerRunning = true)
{
    public long Total => Counts.Values.Sum();
    public long Finished => ItemStates.Final.Sum(s => Counts.GetValueOrDefault(s));
    public long Remaining => ItemStates.Active.Sum(s => Counts.GetValueOrDefault(s));
    public double Progress => Total == 0 ? 1 : (double)Finished / Total;

    /// <summary>Remaining active items at the recent rate; null when nothing finished lately, nothing is left or no worker runs.</summary>
    public TimeSpan? Eta => Remaining > 0 && PerMinute > 0 && WorkerRunning ? TimeSpan.FromMinutes(Remaining / PerMinute) : null;

    /// <summary>Work is waiting and no worker runs to do it: the ETA is not late, it is stalled.</summary>
    public bool Stalled => Remaining > 0 && !WorkerRunning;
}

public sealed class ManifestSummaries(BatchEditorDb db, ManifestQueries manifests, RunningTotals totals, ProviderRegistry providers, WorkerQueries workers, TimeProvider clock)
{
    /// <summary>The most recent manifests first; <paramref name="before"/> pages back in time.</summary>
    public async Task<List<ManifestSummary>> RecentAsync(int limit, DateTimeOffset? before, CancellationToken ct)
    {
        var query = db.Manifests.AsQueryable();
        if (before is { } b) query = query.Where(m => m.CreatedAt < b);
        var manifests = await query.OrderByDescending(m => m.CreatedAt).Take(Math.Clamp(limit, 1, 200)).ToListAsync(ct);
        return await SummariseAsync(manifests, ct);
    }

    /// <summary>A manifest by its name or its id, found as every command and page finds one (<see cref="ManifestQueries.FindAsync"/>).</summary>
    public async Task<ManifestSummary?> FindAsync(string idOrName, CancellationToken ct)
    {
        if (await manifests.FindAsync(idOrName, ct) is not { } info) return null;
        var manifest = await db.Manifests.FirstOrDefaultAsync(m => m.Id == info.Id, ct);
        return manifest is null ? null : (await SummariseAsync([manifest], ct))[0];
    }

    private async Task<List<ManifestSummary>> SummariseAsync(List<ManifestRecord> manifests, CancellationToken ct)
    {
        if (manifests.Count == 0) return [];
        var ids = manifests.Select(m => m.Id).ToList();
        var counts = await totals.CountsByManifestAsync(ids, ct);
        var spent = await totals.SpendByManifestAsync(ids, ct);
        var since = clock.GetUtcNow() - RateWindow;
        var recent = await db.Items.Where(i => i.FinishedAt > since && ids.Contains(i.ManifestId))
            .GroupBy(i => i.ManifestId).Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);

        var estimates = await EstimatesPerItemAsync(ids, ct);
        var workerRunning = await workers.AnyRunningAsync(ct);

        var summaries = new List<ManifestSummary>();
        foreach (var m in manifests)
        {
            var byState = counts.GetValueOrDefault(m.Id) ?? [];
            var money = spent.TryGetValue(m.Id, out var s) ? Money.Of(s) : Money.Zero;
            var unsubmitted = byState.GetValueOrDefault(ItemState.Pending) + byState.GetValueOrDefault(ItemState.Held);
            var total = money.Plus(estimates.GetValueOrDefault(m.Id, Money.Zero).Times(unsubmitted));
            summaries.Add(new(m, byState, money, total, recent.GetValueOrDefault(m.Id) / RateWindow.TotalMinutes, workerRunning));
        }
        return summaries;
    }

    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Per manifest, the provider's estimate for one of its waiting items (rows of a manifest are edited alike), from one
    /// sample row each, all in one query.
    /// </summary>
    private async Task<Dictionary<Guid, Money>> EstimatesPerItemAsync(List<Guid> ids, CancellationToken ct)
    {
        // One index probe per manifest and state (items_manifest_state); the LINQ form (GroupBy … First) numbers every
        // waiting row of every manifest first: 300 ms at 100,000 waiting items.
        string pending = nameof(ItemState.Pending), held = nameof(ItemState.Held);
        var samples = await db.Items.FromSql(
            $"""
            select i.* from unnest({ids.ToArray()}) m(id)
            cross join lateral ((select * from items where manifest_id = m.id and state = {pending} order by id limit 1)
                                union all
                                (select * from items where manifest_id = m.id and state = {held} order by id limit 1)
                                limit 1) i
            """).ToListAsync(ct);
        return samples.ToDictionary(i => i.ManifestId, i =>
        {
            var cost = providers.Estimate(i.Provider, new EditRequest(i.RowId, i.Model, i.Prompt, i.ImageUrls, i.MaskUrl, i.Size, i.Quality, i.N, i.OutputFormat));
            return Money.Entry(cost.Credits, cost.CostUsd, estimated: true);
        });
    }
}
