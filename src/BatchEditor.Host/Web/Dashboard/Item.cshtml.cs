using BatchEditor.Host.Web.Api;
using BatchEditor.Operations;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>One item: why it is where it is, everything tried, what it produced and cost, and what an operator can do.</summary>
public sealed class ItemModel(ItemDetails details, OperatorActions actions) : PageModel
{
    public ItemDetail Detail { get; private set; } = null!;

    /// <summary>Why there is nothing to show (a 404 with the reason and a way on, not a bare status).</summary>
    public string? Missing { get; private set; }

    /// <summary>The job a late answer named, if any: what "adopt" most likely wants.</summary>
    public string? SuggestedReference => Detail.Attempts.LastOrDefault(a => a.ProviderJobId is not null)?.ProviderJobId;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (await details.FindAsync(id, ct) is not { } detail)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            Missing = $"There is no item {id}: it may belong to a manifest that was deleted, or the link is mistyped.";
            return Page();
        }
        Detail = detail;
        return Page();
    }

    public async Task<IActionResult> OnPostRetryAsync(long id, CancellationToken ct)
    {
        var report = await actions.RetryItemsAsync([id], Actor.Of(User), ct);
        TempData["Message"] = report.Moved == 1 ? $"Item {id}: {report.Describe()}"
            : report.Unsettled == 1 ? $"Item {id} was not retried: a submit of it may have been billed and is not settled; keep, release or adopt it first."
            : $"Item {id} was not retried: its state changed meanwhile.";
        return RedirectToPage(new { id });
    }

    public Task<IActionResult> OnPostHoldAsync(long id, CancellationToken ct) => CountAsync(id, () => actions.HoldItemsAsync([id], Actor.Of(User), ct), "held");

    public Task<IActionResult> OnPostReleaseAsync(long id, CancellationToken ct) => CountAsync(id, () => actions.ReleaseItemsAsync([id], Actor.Of(User), ct), "released");

    public Task<IActionResult> OnPostCancelAsync(long id, CancellationToken ct) => CountAsync(id, () => actions.CancelItemsAsync([id], Actor.Of(User), ct), "cancelled");

    public async Task<IActionResult> OnPostReviewAsync(long id, string action, string? reference, string? note, CancellationToken ct)
    {
        TempData["Message"] = (await actions.ResolveAsync(id, new(action, reference, note), Actor.Of(User), ct)).Message;
        return RedirectToPage(new { id });
    }

    private async Task<IActionResult> CountAsync(long id, Func<Task<int>> act, string done)
    {
        TempData["Message"] = await act() == 1 ? $"Item {id} {done}." : $"Item {id} was not {done}: its state changed meanwhile.";
        return RedirectToPage(new { id });
    }
}
