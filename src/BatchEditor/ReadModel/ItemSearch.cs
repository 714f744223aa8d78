using BatchEditor.Items;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchEditor.ReadModel;

/// <summary>What to look for: any combination of manifest, state, provider and text (in row id, prompt or reason).</summary>
public sealed record ItemFilter(Guid? ManifestId = null, ItemState? State = null, string? Provider = null, string? Text = null);

/// <param name="ThumbnailOutputId">The item's first stored output, for a thumbnail.</param>
public sealed record ItemRow(long Id, Guid ManifestId, string Manifest, string RowId, ItemState State, string Provider, string Prompt,
    string Reason, DateTimeOffset UpdatedAt, long? ThumbnailOutputId);

/// <summary>One page of a keyset-paged list; <see cref="Next"/> is the cursor of the following page, null on the last.</summary>
/// <param name="Partial">
/// A text search too broad to answer from the index in time: <see cref="Rows"/> are the matches among the next
/// <see cref="SearchOptions.Window"/> items only (fewer than a page, maybe none), and <see cref="Next"/> continues after them.
/// </param>
public sealed record Page<T>(IReadOnlyList<T> Rows, long? Next, bool Partial = false);

/// <summary>
/// Items matching a filter, in import order, a page at a time. Paging is by keyset (<c>id &gt; cursor</c>), never by
/// offset, so page 10,000 of a 1,000,000-item manifest costs what page 1 does; the indexes of migration 0005 match the
/// filters (manifest, manifest + state, and a trigram index on the searched text).
/// <para>
/// A text whose trigrams are common but whose matches are rare ("backdrop product" among a million "… backdrop"
/// prompts) makes the trigram index re-check most of the table: over a second. So the indexed search gets
/// <see cref="SearchOptions.IndexBudget"/>; past it, the page scans the next <see cref="SearchOptions.Window"/> items in order instead and
/// says so (<see cref="Page{T}.Partial"/>): every page answers in a bounded time, and "next" searches on.
/// </para>
/// </summary>
public sealed class ItemSearch(BatchEditorDb db, IOptions<SearchOptions> options)
{
    public const int MaxPageSize = 200;

    public async Task<Page<ItemRow>> PageAsync(ItemFilter filter, long after, int size, CancellationToken ct)
    {
        size = Math.Clamp(size, 1, MaxPageSize);
        var query = Apply(db.Items, filter).Where(i => i.Id > after).OrderBy(i => i.Id);
        if (string.IsNullOrWhiteSpace(filter.Text)) return Paged(await RowsAsync(query, size + 1, ct), size);

        if (options.Value.IndexBudget > TimeSpan.Zero && await IndexedAsync(query, size, ct) is { } page) return page;
        return await ScannedAsync(filter, after, size, ct);
    }

    /// <summary>The search through the trigram index, or null when it did not finish within the budget.</summary>
    private async Task<Page<ItemRow>?> IndexedAsync(IQueryable<ItemRecord> query, int size, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var budget = $"{(int)Math.Ceiling(options.Value.IndexBudget.TotalMilliseconds)}ms";
        await db.Database.ExecuteSqlAsync($"select set_config('statement_timeout', {budget}, true)", ct);
        try
        {
            return Paged(await RowsAsync(query, size + 1, ct), size);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.QueryCanceled && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The matches among the next <see cref="SearchOptions.Window"/> items of the filter, in order.</summary>
    private async Task<Page<ItemRow>> ScannedAsync(ItemFilter filter, long after, int size, CancellationToken ct)
    {
        var window = options.Value.Window;
        var inOrder = Apply(db.Items, filter with { Text = null }).Where(i => i.Id > after).OrderBy(i => i.Id);
        var found = await RowsAsync(ApplyText(inOrder.Take(window), filter.Text).OrderBy(i => i.Id), size + 1, ct);
        if (found.Count > size) return Paged(found, size);
        var last = await inOrder.Skip(window - 1).Select(i => (long?)i.Id).FirstOrDefaultAsync(ct);
        return last is { } through ? new(found, through, Partial: true) : new(found, null);
    }

    private static Page<ItemRow> Paged(List<ItemRow> rows, int size) => rows.Count > size ? new(rows[..size], rows[size - 1].Id) : new(rows, null);

    private Task<List<ItemRow>> RowsAsync(IQueryable<ItemRecord> items, int take, CancellationToken ct) =>
        items.Take(take)
            .Join(db.Manifests, i => i.ManifestId, m => m.Id, (i, m) => new ItemRow(i.Id, i.ManifestId, m.Name, i.RowId, i.State, i.Provider,
                i.Prompt, i.Reason, i.UpdatedAt,
                db.Outputs.Where(o => o.ItemId == i.Id && o.Run == i.Run && o.State == OutputState.Stored).OrderBy(o => o.Ordinal).Select(o => (long?)o.Id).FirstOrDefault()))
            .ToListAsync(ct);

    /// <summary>The filter as a composable query: each part narrows it, so the database sees one statement.</summary>
    public static IQueryable<ItemRecord> Apply(IQueryable<ItemRecord> items, ItemFilter filter)
    {
        if (filter.ManifestId is { } manifest) items = items.Where(i => i.ManifestId == manifest);
        if (filter.State is { } state) items = items.Where(i => i.State == state);
        if (!string.IsNullOrWhiteSpace(filter.Provider)) items = items.Where(i => i.Provider == filter.Provider);
        return ApplyText(items, filter.Text);
    }

    private static IQueryable<ItemRecord> ApplyText(IQueryable<ItemRecord> items, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return items;
        var pattern = "%" + EscapeLike(text.Trim()) + "%";
        // The same expression as the items_search index, so the trigram index answers it.
        return items.Where(i => EF.Functions.ILike(i.RowId + " " + i.Prompt + " " + i.Reason, pattern, "\\"));
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}

/// <summary>How long a text search may use the trigram index, and how many items a broader one scans per page (<c>Dashboard:Search</c>).</summary>
public sealed class SearchOptions
{
    /// <summary>Zero: never the index, always the bounded scan.</summary>
    public TimeSpan IndexBudget { get; set; } = TimeSpan.FromMilliseconds(120);

    [System.ComponentModel.DataAnnotations.Range(1, 10_000_000)]
    public int Window { get; set; } = 50_000;
}
