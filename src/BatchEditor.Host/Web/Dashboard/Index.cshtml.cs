using BatchEditor.Items;
using BatchEditor.ReadModel;
using BatchEditor.Totals;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class OverviewModel(OverviewQueries queries, RunningTotals totals) : PageModel
{
    public Dictionary<ItemState, long> Counts { get; private set; } = [];
    public Alerts Alerts { get; private set; } = new([], [], 0, 0, 0);
    public List<ProviderSpend> SpendToday { get; private set; } = [];
    public List<ProviderBalance> Balances { get; private set; } = [];
    public List<ThroughputPoint> Throughput { get; private set; } = [];
    public string Window { get; private set; } = "30m";
    public TimeSpan Bucket { get; private set; }

    public async Task OnGetAsync(string? window, CancellationToken ct)
    {
        (Window, var span, Bucket) = ThroughputChart.Find(window);
        Throughput = await queries.ThroughputAsync(span, Bucket, ct);
        Counts = await totals.CountsAsync(null, ct);
        Alerts = await queries.AlertsAsync(ct);
        SpendToday = await queries.SpendTodayAsync(ct);
        Balances = await queries.BalancesAsync(ct);
    }
}
