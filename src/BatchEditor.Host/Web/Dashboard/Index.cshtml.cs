using BatchEditor.Items;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class OverviewModel(OverviewQueries queries) : PageModel
{
    public Dictionary<ItemState, long> Counts { get; private set; } = [];
    public Alerts Alerts { get; private set; } = new([], [], 0, 0, 0);
    public List<ProviderSpend> SpendToday { get; private set; } = [];
    public List<ProviderBalance> Balances { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Counts = await queries.CountsAsync(null, ct);
        Alerts = await queries.AlertsAsync(ct);
        SpendToday = await queries.SpendTodayAsync(ct);
        Balances = await queries.BalancesAsync(ct);
    }
}
