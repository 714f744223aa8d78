using BatchEditor.Items;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>Any page of a manifest's items — all, or of one state — as a contact sheet: inputs beside outputs.</summary>
public sealed class SheetModel(ManifestQueries manifests, SampleSheets sheets) : PageModel
{
    public const int PageSize = 60;

    public string Manifest { get; private set; } = "";
    public ItemState? State { get; private set; }
    public List<SampleTile> Tiles { get; private set; } = [];

    /// <summary>The next page's start, when this page is full.</summary>
    public long? Next => Tiles.Count == PageSize ? Tiles[^1].Id : null;

    public async Task<IActionResult> OnGetAsync(string manifest, ItemState? state, long? after, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound($"no manifest named '{manifest}'");
        (Manifest, State) = (info.Name, state);
        Tiles = await sheets.PageAsync(info.Id, state, after ?? 0, PageSize, ct);
        return Page();
    }
}
