using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class ManifestsModel(ManifestSummaries summaries) : PageModel
{
    public const int PageSize = 50;

    public List<ManifestSummary> Manifests { get; private set; } = [];

    public async Task OnGetAsync(DateTimeOffset? before, CancellationToken ct) => Manifests = await summaries.RecentAsync(PageSize, before, ct);
}
