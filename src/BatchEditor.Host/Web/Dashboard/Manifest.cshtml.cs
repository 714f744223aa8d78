using BatchEditor.Items;
using BatchEditor.Operations;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>One manifest: progress, money, ETA, its items, and the manifest-wide actions.</summary>
public sealed class ManifestModel(ManifestSummaries summaries, ManifestQueries manifests, ItemSearch search, ManifestActions actions,
    Budgets.ManifestBudgets budgets, OperatorActions operators, FailureGroups failures) : PageModel
{
    /// <summary>What did not succeed, by cause, each group with its count and what to do.</summary>
    public List<FailureGroup> Failures { get; private set; } = [];

    public Budgets.ManifestBudgets.Budget Budget { get; private set; } = new(null, null);

    /// <summary>"500 credits and $5" or "none: it may spend without a limit".</summary>
    public string BudgetText => Budget is { Credits: null, Usd: null } ? "none: it may spend without a limit"
        : string.Join(" and ", new[] { Budget.Credits is { } c ? $"{Totals.Money.Number(c)} credits" : null, Budget.Usd is { } u ? Totals.Money.Dollars(u) : null }.OfType<string>());

    public ManifestSummary Summary { get; private set; } = null!;
    public ItemTableView Table { get; private set; } = null!;

    /// <summary>Why there is nothing to show (a 404 with the reason and a way on, not a bare status).</summary>
    public string? Missing { get; private set; }

    public async Task<IActionResult> OnGetAsync(string manifest, ItemState? state, string? provider, string? q, long? after, CancellationToken ct)
    {
        if (await summaries.FindAsync(manifest, ct) is not { } summary)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            Missing = $"There is no manifest named '{manifest}' (and none with that id).";
            return Page();
        }
        Summary = summary;
        Budget = await budgets.GetAsync(summary.Manifest.Id, ct);
        if (FailureCauses.States.Any(s => summary.Counts.GetValueOrDefault(s) > 0)) Failures = await failures.ForManifestAsync(summary.Manifest.Id, summary.Manifest.Name, ct);
        var filter = new ItemFilter(summary.Manifest.Id, state, provider, q);
        Table = new(await search.PageAsync(filter, after ?? 0, ItemsModel.PageSize, ct), filter, $"/dashboard/manifests/{Uri.EscapeDataString(manifest)}", after ?? 0);
        return Page();
    }

    /// <summary>An operator raises (or sets, or clears) the budget, and releases what it held if asked.</summary>
    public async Task<IActionResult> OnPostBudgetAsync(string manifest, decimal? credits, decimal? usd, bool release, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound();
        if (credits < 0 || usd < 0)
        {
            TempData["Message"] = "A budget cannot be negative.";
            return RedirectToPage(new { manifest });
        }
        var set = await budgets.SetAsync(info.Id, new(credits, usd), ct);
        var released = release ? await operators.ReleaseAsync(info.Id, Api.Actor.Of(User), ct) : 0;
        Budget = set;
        TempData["Message"] = $"Budget of {info.Name}: {BudgetText}" + (released > 0 ? $"; {released} held item(s) released." : ".");
        return RedirectToPage(new { manifest });
    }

    public Task<IActionResult> OnPostRetryAsync(string manifest, CancellationToken ct) => ActAsync(manifest, ManifestAction.Retry, ct);

    /// <summary>Every item of one failure group, whatever page is on screen (the button says how many and asks first).</summary>
    public async Task<IActionResult> OnPostRetryCauseAsync(string manifest, string cause, ItemState state, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound();
        if ((cause != FailureCauses.Other && FailureCauses.Find(cause) is null) || !OperatorTransitions.Retryable.Contains(state))
        {
            TempData["Message"] = $"'{cause}' ({state}) is not a group a retry can take.";
            return RedirectToPage(new { manifest });
        }
        TempData["Message"] = (await actions.TakeAsync(info.Id, info.Name, ManifestAction.Retry, [state], Api.Actor.Of(User), ct, cause)).Message;
        return RedirectToPage(new { manifest });
    }

    public Task<IActionResult> OnPostHoldAsync(string manifest, CancellationToken ct) => ActAsync(manifest, ManifestAction.Hold, ct);

    public Task<IActionResult> OnPostReleaseAsync(string manifest, CancellationToken ct) => ActAsync(manifest, ManifestAction.Release, ct);

    public Task<IActionResult> OnPostCancelAsync(string manifest, CancellationToken ct) => ActAsync(manifest, ManifestAction.Cancel, ct);

    private async Task<IActionResult> ActAsync(string manifest, ManifestAction action, CancellationToken ct)
    {
        // Only the id is needed: not the counts and sums of a summary, which cost a scan of a large manifest.
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound();
        TempData["Message"] = (await actions.TakeAsync(info.Id, info.Name, action, [ItemState.Failed], Api.Actor.Of(User), ct)).Message;
        return RedirectToPage(new { manifest });
    }
}
