using BatchEditor.Scheduling;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

public sealed class SchedulesModel(ScheduleControl schedules) : PageModel
{
    public List<ScheduleInfo> Schedules { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Schedules = await schedules.ListAsync(ct);

    public Task<IActionResult> OnPostTriggerAsync(string name, CancellationToken ct) =>
        ActAsync(() => schedules.TriggerNowAsync(name, ct), $"{name} fired on the workers.");

    public Task<IActionResult> OnPostPauseAsync(string name, CancellationToken ct) => ActAsync(() => schedules.PauseAsync(name, ct), $"{name} paused.");

    public Task<IActionResult> OnPostResumeAsync(string name, CancellationToken ct) => ActAsync(() => schedules.ResumeAsync(name, ct), $"{name} resumed.");

    private async Task<IActionResult> ActAsync(Func<Task<bool>> act, string done)
    {
        TempData["Message"] = await act() ? done : "No such schedule.";
        return RedirectToPage();
    }
}
