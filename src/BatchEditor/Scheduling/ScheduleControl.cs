using Quartz;

namespace BatchEditor.Scheduling;

/// <summary>A Quartz trigger as the dashboard shows it.</summary>
public sealed record ScheduleInfo(string Group, string Name, string Job, string Description, string State, DateTimeOffset? NextFire,
    DateTimeOffset? PreviousFire);

/// <summary>
/// The schedules page and API over Quartz's clustered store: list triggers with their next and last fire, fire one now,
/// pause and resume. Works from any process on the database: a host that does not run jobs (<c>batch-editor web</c>)
/// changes the store, and the workers' schedulers act on it.
/// </summary>
public sealed class ScheduleControl(ISchedulerFactory schedulers)
{
    public async Task<List<ScheduleInfo>> ListAsync(CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var list = new List<ScheduleInfo>();
        foreach (var key in await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.AnyGroup(), ct))
        {
            if (await scheduler.GetTrigger(key, ct) is not { } trigger) continue;
            var state = await scheduler.GetTriggerState(key, ct);
            list.Add(new(key.Group, key.Name, trigger.JobKey.Name, Describe(trigger), state.ToString(), trigger.NextFireTimeUtc,
                trigger.PreviousFireTimeUtc));
        }
        return [.. list.OrderBy(s => s.Group).ThenBy(s => s.Name)];
    }

    /// <summary>
    /// Creates or replaces a schedule's job and cron trigger. Misfire policy: a fire missed while no worker ran (or the
    /// cluster was down) runs once when a worker's scheduler starts, then the trigger continues with its next fire time;
    /// several missed nights make one run, which imports every new file.
    /// </summary>
    public async Task ScheduleAsync(ScheduleDefinition schedule, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var job = JobBuilder.Create<ImportScheduleJob>().WithIdentity(ImportScheduleJob.KeyOf(schedule.Name))
            .WithDescription($"import new CSVs from {schedule.Source}").StoreDurably().Build();
        var trigger = TriggerBuilder.Create().WithIdentity(schedule.Name, ImportScheduleJob.Group).ForJob(job)
            .WithCronSchedule(schedule.Cron, c => c.InTimeZone(TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone)).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, ct);
    }

    public async Task<bool> UnscheduleAsync(string name, CancellationToken ct) =>
        await (await schedulers.GetScheduler(ct)).DeleteJob(ImportScheduleJob.KeyOf(name), ct);

    /// <returns>False when there is no such trigger.</returns>
    public async Task<bool> TriggerNowAsync(string group, string name, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        if (await scheduler.GetTrigger(new TriggerKey(name, group), ct) is not { } trigger) return false;
        await scheduler.TriggerJob(trigger.JobKey, ct);
        return true;
    }

    public Task<bool> PauseAsync(string group, string name, CancellationToken ct) =>
        WithTrigger(group, name, async (s, key) => await s.PauseTrigger(key, ct), ct);

    public Task<bool> ResumeAsync(string group, string name, CancellationToken ct) =>
        WithTrigger(group, name, async (s, key) => await s.ResumeTrigger(key, ct), ct);

    private async Task<bool> WithTrigger(string group, string name, Func<IScheduler, TriggerKey, Task> act, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var key = new TriggerKey(name, group);
        if (await scheduler.GetTrigger(key, ct) is null) return false;
        await act(scheduler, key);
        return true;
    }

    private static string Describe(ITrigger trigger) => trigger switch
    {
        ICronTrigger cron => $"cron {cron.CronExpressionString} ({cron.TimeZone.Id})",
        ISimpleTrigger simple => $"every {simple.RepeatInterval}",
        _ => trigger.GetType().Name,
    };
}
