using BatchEditor.Items;
using BatchEditor.Totals;
using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

public sealed class ThroughputPoint
{
    public DateTimeOffset At { get; init; }
    public long Succeeded { get; init; }
    public long Failed { get; init; }
}

public sealed record ProviderSpend(string Provider, Money Spent);

public sealed record ProviderBalance(string Provider, decimal Credits, DateTimeOffset ReportedAt);

/// <summary>Items of one manifest held for one reason (a budget reached, an operator's hold).</summary>
public sealed record HeldGroup(string Manifest, long Items, string Reason);

/// <summary>
/// What needs a person: active work that no worker is running to do, open breakers, paused providers, items waiting for
/// review or release (by manifest and reason), submits that may have been billed and are not settled (cancelled while
/// out, answered late), outputs about to expire.
/// </summary>
/// <param name="ActiveWithoutWorker">Items in an active state while no worker has been heard from: nothing moves.</param>
public sealed record Alerts(IReadOnlyList<BreakerRecord> OpenBreakers, IReadOnlyList<PauseRecord> Paused, long NeedsReview, long Held,
    long ExpiringSoon, long Unsettled = 0, long ActiveWithoutWorker = 0, IReadOnlyList<HeldGroup>? HeldBy = null)
{
    public bool Any => OpenBreakers.Count > 0 || Paused.Count > 0 || NeedsReview > 0 || Held > 0 || ExpiringSoon > 0 || Unsettled > 0 || ActiveWithoutWorker > 0;
}

/// <summary>The overview page: counts by state, throughput, today's spend, the providers' balances and alerts.</summary>
public sealed class OverviewQueries(BatchEditorDb db, RunningTotals totals, WorkerQueries workers, TimeProvider clock)
{
    /// <summary>Outputs whose temporary URLs expire within this are flagged.</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromHours(1);

    /// <summary>Items that finished per <paramref name="bucket"/> over the last <paramref name="window"/>, oldest first, empty buckets included.</summary>
    public async Task<List<ThroughputPoint>> ThroughputAsync(TimeSpan window, TimeSpan bucket, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var since = now - window;
        var origin = DateTimeOffset.UnixEpoch;
        var succeeded = nameof(ItemState.Succeeded);
        var rows = await db.Database.SqlQuery<ThroughputPoint>(
            $"""
            select date_bin({bucket}, finished_at, {origin}) as "At",
                   count(*) filter (where state = {succeeded}) as "Succeeded",
                   count(*) filter (where state <> {succeeded}) as "Failed"
            from items where finished_at > {since}
            group by 1
            """).ToListAsync(ct);
        var byBucket = rows.ToDictionary(r => r.At.ToUniversalTime());
        var points = new List<ThroughputPoint>();
        var first = origin + TimeSpan.FromTicks((since - origin).Ticks / bucket.Ticks * bucket.Ticks);
        for (var at = first; at <= now; at += bucket)
            points.Add(byBucket.GetValueOrDefault(at) ?? new ThroughputPoint { At = at });
        return points;
    }

    /// <summary>Spend since midnight UTC, per provider.</summary>
    public async Task<List<ProviderSpend>> SpendTodayAsync(CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return (await totals.SpendByProviderAsync(today, ct)).Select(s => new ProviderSpend(s.Key, Money.Of(s.Value))).ToList();
    }

    /// <summary>Each provider's balance as it last reported it (providers that report one).</summary>
    public async Task<List<ProviderBalance>> BalancesAsync(CancellationToken ct)
    {
        var latest = await db.Ledger.Where(l => l.BalanceAfter != null)
            .GroupBy(l => l.Provider).Select(g => g.OrderByDescending(l => l.CreatedAt).First()).ToListAsync(ct);
        return latest.OrderBy(l => l.Provider).Select(l => new ProviderBalance(l.Provider, l.BalanceAfter!.Value, l.CreatedAt)).ToList();
    }

    public async Task<Alerts> AlertsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var breakers = await db.Breakers.Where(b => b.OpenUntil > now).OrderBy(b => b.Provider).ToListAsync(ct);
        var paused = await db.Pauses.OrderBy(p => p.Provider).ToListAsync(ct);
        var counts = await totals.CountsAsync(null, ct);
        var soon = now + ExpiryWarning;
        var expiring = await db.Items.LongCountAsync(i => (i.State == ItemState.Running || i.State == ItemState.Copying) && i.OutputsExpireAt < soon, ct);
        // Open attempts of items not in review and not being submitted right now (the partial index keeps this small).
        var unsettled = await db.Attempts.Where(a => a.SentAt != null && a.SettledAt == null)
            .Join(db.Items, a => a.ItemId, i => i.Id, (a, i) => new { a.Run, ItemRun = i.Run, i.State, i.Id })
            .Where(x => x.State != ItemState.NeedsReview && !(x.State == ItemState.Submitting && x.Run == x.ItemRun))
            .Select(x => x.Id).Distinct().LongCountAsync(ct);
        var active = ItemStates.Active.Sum(s => counts.GetValueOrDefault(s));
        var workerRunning = await workers.AnyRunningAsync(ct);
        var held = counts.GetValueOrDefault(ItemState.Held);
        var heldBy = held == 0 ? [] : await db.Items.Where(i => i.State == ItemState.Held)
            .GroupBy(i => new { i.ManifestId, i.Reason }).Select(g => new { g.Key.ManifestId, g.Key.Reason, Items = g.LongCount() })
            .OrderByDescending(g => g.Items).Take(5)
            .Join(db.Manifests, g => g.ManifestId, m => m.Id, (g, m) => new HeldGroup(m.Name, g.Items, g.Reason)).ToListAsync(ct);
        return new(breakers, paused, counts.GetValueOrDefault(ItemState.NeedsReview), held, expiring, unsettled,
            workerRunning ? 0 : active, heldBy);
    }
}
