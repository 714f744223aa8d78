using BatchEditor.ReadModel;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>What the item list partial shows: a page of items, the filter that found them, and where the filter form posts.</summary>
public sealed record ItemTableView(Page<ItemRow> Page, ItemFilter Filter, string Path, long After)
{
    /// <summary>The link to the next page, keeping the filter.</summary>
    public string NextLink => Link(Page.Next ?? 0);

    public string Link(long after)
    {
        var query = new List<string>();
        if (Filter.State is { } s) query.Add($"state={s}");
        if (!string.IsNullOrEmpty(Filter.Provider)) query.Add($"provider={Uri.EscapeDataString(Filter.Provider)}");
        if (!string.IsNullOrEmpty(Filter.Text)) query.Add($"q={Uri.EscapeDataString(Filter.Text)}");
        if (after > 0) query.Add($"after={after}");
        return query.Count == 0 ? Path : $"{Path}?{string.Join('&', query)}";
    }
}
