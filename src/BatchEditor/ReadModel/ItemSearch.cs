using BatchEditor.Items;
using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

/// <summary>What to look for: any combination of manifest, state, provider and text (in row id, prompt or reason).</summary>
public sealed record ItemFilter(Guid? ManifestId = null, ItemState? State = null, string? Provider = null, string? Text = null);

/// <param name="ThumbnailOutputId">The item's first stored output, for a thumbnail.</param>
public sealed record ItemRow(long Id, Guid ManifestId, string Manifest, string RowId, ItemState State, string Provider, string Prompt,
    string Reason, DateTimeOffset UpdatedAt, long? ThumbnailOutputId);

/// <summary>One page of a keyset-paged list; <see cref="Next"/> is the cursor of the following page, null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Rows, long? Next);

/// <summary>
/// Items matching a filter, in import order, a page at a time. Paging is by keyset (<c>id &gt; cursor</c>), never by
/// offset, so page 10,000 of a 1,000,000-item manifest costs what page 1 does; the indexes of migration 0005 match the
/// filters (manifest, manifest + state, and a trigram index on the searched text).
/// </summary>
public sealed class ItemSearch(BatchEditorDb db)
{
    public const int MaxPageSize = 200;

    public async Task<Page<ItemRow>> PageAsync(ItemFilter filter, long after, int size, CancellationToken ct)
    {
        size = Math.Clamp(size, 1, MaxPageSize);
        var rows = await Apply(db.Items, filter)
            .Where(i => i.Id > after)
            .OrderBy(i => i.Id)
            .Take(size + 1)
            .Join(db.Manifests, i => i.ManifestId, m => m.Id, (i, m) => new ItemRow(i.Id, i.ManifestId, m.Name, i.RowId, i.State, i.Provider,
                i.Prompt, i.Reason, i.UpdatedAt,
                db.Outputs.Where(o => o.ItemId == i.Id && o.Run == i.Run && o.State == "Stored").OrderBy(o => o.Ordinal).Select(o => (long?)o.Id).FirstOrDefault()))
            .ToListAsync(ct);
        return rows.Count > size ? new(rows[..size], rows[size - 1].Id) : new(rows, null);
    }

    /// <summary>The filter as a composable query: each part narrows it, so the database sees one statement.</summary>
    public static IQueryable<ItemRecord> Apply(IQueryable<ItemRecord> items, ItemFilter filter)
    {
        if (filter.ManifestId is { } manifest) items = items.Where(i => i.ManifestId == manifest);
        if (filter.State is { } state) items = items.Where(i => i.State == state);
        if (!string.IsNullOrWhiteSpace(filter.Provider)) items = items.Where(i => i.Provider == filter.Provider);
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var pattern = "%" + EscapeLike(filter.Text.Trim()) + "%";
            // The same expression as the items_search index, so the trigram index answers it.
            items = items.Where(i => EF.Functions.ILike(i.RowId + " " + i.Prompt + " " + i.Reason, pattern, "\\"));
        }
        return items;
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
