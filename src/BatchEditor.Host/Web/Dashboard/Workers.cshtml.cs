using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class WorkersModel(WorkerQueries queries) : PageModel
{
    public List<WorkerRecord> Workers { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Workers = await queries.RecentAsync(ct);
}
