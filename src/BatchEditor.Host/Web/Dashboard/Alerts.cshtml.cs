using BatchEditor.Alerting;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class AlertsModel(AlertStore alerts) : PageModel
{
    public List<AlertRecord> Alerts { get; private set; } = [];
    public List<DigestRecord> Digests { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Alerts = await alerts.RecentAsync(100, ct);
        Digests = await alerts.DigestsAsync(20, ct);
    }
}
