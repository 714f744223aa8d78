using BatchEditor.Items;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>Every manifest's items: filter by state and provider, search, page.</summary>
public sealed class ItemsModel(ItemSearch search) : PageModel
{
    public const int PageSize = 50;

    public ItemTableView Table { get; private set; } = null!;

    public async Task OnGetAsync(ItemState? state, string? provider, string? q, long? after, CancellationToken ct)
    {
        var filter = new ItemFilter(null, state, provider, q);
        Table = new(await search.PageAsync(filter, after ?? 0, PageSize, ct), filter, "/dashboard/items", after ?? 0);
    }
}
