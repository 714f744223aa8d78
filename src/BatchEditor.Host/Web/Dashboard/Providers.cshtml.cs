using BatchEditor.Host.Web.Api;
using BatchEditor.Operations;
using BatchEditor.Providers;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class ProvidersModel(ProviderHealthQueries queries, ProviderPauses pauses, Batches.BatchStore batches) : PageModel
{
    public List<ProviderHealth> Providers { get; private set; } = [];
    public List<Batches.BatchRecord> Batches { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Providers = await queries.AllAsync(ct);
        Batches = await batches.RecentAsync(20, ct);
    }

    public async Task<IActionResult> OnPostPauseAsync(string provider, CancellationToken ct)
    {
        TempData["Message"] = await pauses.PauseAsync(provider, Actor.Of(User), "paused from the dashboard", ct) ? $"{provider} paused." : $"{provider} was already paused.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostResumeAsync(string provider, CancellationToken ct)
    {
        TempData["Message"] = await pauses.ResumeAsync(provider, ct) ? $"{provider} resumed." : $"{provider} was not paused.";
        return RedirectToPage();
    }
}
