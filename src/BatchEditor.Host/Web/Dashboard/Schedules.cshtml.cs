using BatchEditor.Scheduling;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class SchedulesModel(ScheduleControl schedules) : PageModel
{
    public List<ScheduleInfo> Schedules { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Schedules = await schedules.ListAsync(ct);

    public Task<IActionResult> OnPostTriggerAsync(string group, string name, CancellationToken ct) =>
        ActAsync(() => schedules.TriggerNowAsync(group, name, ct), $"{group}/{name} fired.");

    public Task<IActionResult> OnPostPauseAsync(string group, string name, CancellationToken ct) =>
        ActAsync(() => schedules.PauseAsync(group, name, ct), $"{group}/{name} paused.");

    public Task<IActionResult> OnPostResumeAsync(string group, string name, CancellationToken ct) =>
        ActAsync(() => schedules.ResumeAsync(group, name, ct), $"{group}/{name} resumed.");

    private async Task<IActionResult> ActAsync(Func<Task<bool>> act, string done)
    {
        TempData["Message"] = await act() ? done : "No such schedule.";
        return RedirectToPage();
    }
}
