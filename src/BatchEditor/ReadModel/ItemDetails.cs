using BatchEditor.Totals;
using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

/// <summary>Everything about one item: where it is and why, what was tried, what it produced and what it cost.</summary>
/// <param name="ProviderPause">Set when its provider is paused: the reason a Pending item does not move.</param>
public sealed record ItemDetail(ItemRecord Item, ManifestRecord Manifest, IReadOnlyList<HistoryRecord> History,
    IReadOnlyList<AttemptRecord> Attempts, IReadOnlyList<OutputRecord> Outputs, IReadOnlyList<LedgerRecord> Ledger, PauseRecord? ProviderPause)
{
    /// <summary>The sum of its ledger rows, every run included.</summary>
    public Money Cost => Ledger.Aggregate(Money.Zero, (sum, l) => sum.Plus(Money.Entry(l.Credits, l.CostUsd, l.Estimated)));
}

/// <summary>An item's state and reason: what a live page needs every few seconds.</summary>
public sealed record ItemStatus(Items.ItemState State, string Reason);

public sealed class ItemDetails(BatchEditorDb db)
{
    // The item page is the most visited after the lists, and its queries never change shape: compiled once.
    private static readonly Func<BatchEditorDb, long, CancellationToken, Task<ItemRecord?>> ItemById =
        EF.CompileAsyncQuery((BatchEditorDb d, long id, CancellationToken _) => d.Items.AsNoTracking().FirstOrDefault(i => i.Id == id));

    private static readonly Func<BatchEditorDb, long, IAsyncEnumerable<HistoryRecord>> HistoryOf =
        EF.CompileAsyncQuery((BatchEditorDb d, long id) => d.History.AsNoTracking().Where(h => h.ItemId == id).OrderBy(h => h.Id).AsQueryable());

    public async Task<ItemDetail?> FindAsync(long id, CancellationToken ct)
    {
        if (await ItemById(db, id, ct) is not { } item) return null;
        var manifest = await db.Manifests.FirstAsync(m => m.Id == item.ManifestId, ct);
        var history = new List<HistoryRecord>();
        await foreach (var h in HistoryOf(db, id).WithCancellation(ct)) history.Add(h);
        var attempts = await db.Attempts.Where(a => a.ItemId == id).OrderBy(a => a.Id).ToListAsync(ct);
        var outputs = await db.Outputs.Where(o => o.ItemId == id).OrderBy(o => o.Run).ThenBy(o => o.Ordinal).ToListAsync(ct);
        var ledger = await db.Ledger.Where(l => l.ItemId == id).OrderBy(l => l.Id).ToListAsync(ct);
        var pause = await db.Pauses.FirstOrDefaultAsync(p => p.Provider == item.Provider, ct);
        return new(item, manifest, history, attempts, outputs, ledger, pause);
    }

    public Task<ItemStatus?> StatusAsync(long id, CancellationToken ct) =>
        db.Items.Where(i => i.Id == id).Select(i => new ItemStatus(i.State, i.Reason)).FirstOrDefaultAsync(ct);

    public Task<OutputRecord?> OutputAsync(long outputId, CancellationToken ct) => db.Outputs.FirstOrDefaultAsync(o => o.Id == outputId, ct);

    /// <summary>The URL of an item's <paramref name="index"/>-th input image; null when there is no such item or input.</summary>
    public async Task<string?> InputUrlAsync(long itemId, int index, CancellationToken ct)
    {
        var urls = await db.Items.Where(i => i.Id == itemId).Select(i => i.ImageUrls).FirstOrDefaultAsync(ct);
        return urls is not null && index >= 0 && index < urls.Length ? urls[index] : null;
    }
}
