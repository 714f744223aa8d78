using BatchEditor.Host.Web.Auth;
using BatchEditor.Items;
using BatchEditor.Totals;
using Hangfire;
using Hangfire.Dashboard;

namespace BatchEditor.Host.Web;

/// <summary>
/// The Hangfire dashboard at <c>/hangfire</c>, beside BatchEditor's own at <c>/dashboard</c>: the same sign-in and roles
/// (an endpoint behind the same authorization; a Viewer's dashboard is read-only, and Hangfire refuses its commands), no
/// connection string shown, a link back to <c>/dashboard</c>, and BatchEditor's figures on its home page.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/hangfire";

    public static void MapJobsDashboard(this WebApplication app)
    {
        Figures.AddOnce();
        app.MapHangfireDashboardWithNoAuthorizationFilters(Path, new Hangfire.DashboardOptions
        {
            DashboardTitle = "BatchEditor jobs",
            AppPath = "/dashboard", // "Back to site"
            DisplayStorageConnectionString = false,
            IsReadOnlyFunc = context => !OperatorFormsOnly.CanOperate(context.GetHttpContext().User),
            // Hangfire's own authorization filters are off: the endpoint requires BatchEditor's sign-in (below).
        }).RequireAuthorization();
    }

    /// <summary>
    /// BatchEditor's figures as Hangfire dashboard metrics on its home page. Hangfire keeps metrics process-wide, so they
    /// are added once, and each reads the running totals of the host that serves the request.
    /// </summary>
    private static class Figures
    {
        private static readonly Lock Gate = new();
        private static bool _added;

        public static void AddOnce()
        {
            lock (Gate)
            {
                if (_added) return;
                _added = true;
                GlobalConfiguration.Configuration.UseDashboardMetrics(
                    Count("be:pending", "Items pending", [ItemState.Pending], MetricStyle.Info, "/dashboard/items?state=Pending"),
                    Count("be:in-flight", "Items in flight", [ItemState.Submitting, ItemState.Running, ItemState.Copying], MetricStyle.Info, "/dashboard/items?state=Running"),
                    Count("be:review", "Items in review", [ItemState.NeedsReview], MetricStyle.Warning, "/dashboard/items?state=NeedsReview"),
                    new DashboardMetric("be:spend-today", "Spend today", page =>
                    {
                        var totals = page.Context.GetHttpContext().RequestServices.GetRequiredService<RunningTotals>();
                        var spend = totals.SpendByProviderAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None).GetAwaiter().GetResult();
                        var total = spend.Values.Select(Money.Of).Aggregate(Money.Zero, (a, b) => a.Plus(b));
                        return new Metric((total with { Estimated = false }).ToString()) { Style = MetricStyle.Default };
                    }) { Url = "/dashboard" });
            }
        }

        private static DashboardMetric Count(string name, string title, ItemState[] states, MetricStyle style, string url) =>
            new(name, title, page =>
            {
                var totals = page.Context.GetHttpContext().RequestServices.GetRequiredService<RunningTotals>();
                var counts = totals.CountsAsync(null, CancellationToken.None).GetAwaiter().GetResult();
                var count = states.Sum(s => counts.GetValueOrDefault(s));
                return new Metric(count) { Style = count > 0 ? style : MetricStyle.Default, Highlighted = count > 0 && style == MetricStyle.Warning };
            }) { Url = url };
    }
}
