using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Scheduling;

/// <summary>A schedule with its recurring job, as the dashboard, the API and `schedule list` show it.</summary>
/// <param name="State">Scheduled, Paused, or Missing (stored, but its recurring job is gone: the next start recreates it).</param>
public sealed record ScheduleInfo(string Name, string Cron, string TimeZone, string Source, string State, DateTimeOffset? NextFire, DateTimeOffset? LastFire,
    string? LastResult, string RecurringJobId);

/// <summary>
/// Each schedule is a Hangfire recurring job (<see cref="RecurringJobId"/>): cron in the schedule's time zone; a night
/// missed while no worker ran runs once when one starts (Hangfire's relaxed misfire handling); "run now" triggers it.
/// Pausing removes the recurring job and remembers the pause (Hangfire has no paused state); resuming recreates it.
/// Works from any process on the database: the workers' Hangfire servers fire what is stored.
/// </summary>
public sealed partial class ScheduleControl(ScheduleStore store, IRecurringJobManagerV2 recurring, IBackgroundJobClient jobs, JobStorage storage,
    ILogger<ScheduleControl> logger)
{
    public const string Prefix = "schedule:";

    public static string RecurringJobId(string schedule) => Prefix + schedule;

    /// <summary>Creates or replaces the schedule's recurring job.</summary>
    public void Schedule(ScheduleDefinition schedule) =>
        recurring.AddOrUpdate<ScheduleJobs>(RecurringJobId(schedule.Name), j => j.FireAsync(schedule.Name, CancellationToken.None), schedule.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone), MisfireHandling = MisfireHandlingMode.Relaxed });

    public async Task<bool> RemoveAsync(string name, CancellationToken ct)
    {
        recurring.RemoveIfExists(RecurringJobId(name));
        return await store.RemoveAsync(name, ct);
    }

    /// <summary>Fires the schedule now on the workers (a paused one too, once); false when there is no such schedule.</summary>
    public async Task<bool> TriggerNowAsync(string name, CancellationToken ct)
    {
        if (await store.FindAsync(name, ct) is not { } stored) return false;
        if (stored.PausedAt is null) recurring.TriggerJob(RecurringJobId(name));
        else jobs.Enqueue<ScheduleJobs>(j => j.FireAsync(name, CancellationToken.None));
        return true;
    }

    public async Task<bool> PauseAsync(string name, CancellationToken ct)
    {
        if (!await store.SetPausedAsync(name, paused: true, ct)) return false;
        recurring.RemoveIfExists(RecurringJobId(name));
        return true;
    }

    /// <summary>Resumes a paused schedule: its next fire is the next one due from now (a night missed while paused is not made up).</summary>
    public async Task<bool> ResumeAsync(string name, CancellationToken ct)
    {
        if (!await store.SetPausedAsync(name, paused: false, ct) || await store.FindAsync(name, ct) is not { } stored) return false;
        Schedule(stored.Schedule);
        return true;
    }

    public async Task<List<ScheduleInfo>> ListAsync(CancellationToken ct)
    {
        var stored = await store.ListAsync(ct);
        using var connection = storage.GetConnection();
        var jobsById = connection.GetRecurringJobs(stored.Select(s => RecurringJobId(s.Schedule.Name)).ToArray()).ToDictionary(j => j.Id);
        return stored.Select(s =>
        {
            var job = jobsById.GetValueOrDefault(RecurringJobId(s.Schedule.Name));
            var state = s.PausedAt is not null ? "Paused" : job is null || job.Removed ? "Missing" : "Scheduled";
            return new ScheduleInfo(s.Schedule.Name, s.Schedule.Cron, s.Schedule.TimeZone, s.Schedule.Source, state,
                s.PausedAt is null ? Utc(job?.NextExecution) : null, Utc(job?.LastExecution) ?? s.LastRunAt, s.LastResult, RecurringJobId(s.Schedule.Name));
        }).ToList();
    }

    /// <summary>
    /// Makes the recurring jobs match the stored schedules (every long-running host, at start): a schedule stored before
    /// Hangfire has its Quartz cron converted to crontab and gets its recurring job; a recurring job whose schedule is gone
    /// or paused is removed.
    /// </summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        var stored = await store.ListAsync(ct);
        foreach (var (schedule, pausedAt, _, _) in stored)
        {
            var cron = schedule.Cron;
            try { cron = Crontab.Normalize(schedule.Cron); }
            catch (FormatException e)
            {
                LogUnconvertible(schedule.Name, e.Message);
                continue;
            }
            if (cron != schedule.Cron)
            {
                await store.SetCronAsync(schedule.Name, cron, ct);
                LogConverted(schedule.Name, schedule.Cron, cron);
            }
            if (pausedAt is null) Schedule(schedule with { Cron = cron });
            else recurring.RemoveIfExists(RecurringJobId(schedule.Name));
        }
        using var connection = storage.GetConnection();
        var names = stored.Select(s => RecurringJobId(s.Schedule.Name)).ToHashSet();
        foreach (var job in connection.GetRecurringJobs().Where(j => j.Id.StartsWith(Prefix, StringComparison.Ordinal) && !names.Contains(j.Id)))
            recurring.RemoveIfExists(job.Id);
    }

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    [LoggerMessage(LogLevel.Information, "Schedule {Schedule}: Quartz cron \"{Quartz}\" converted to \"{Crontab}\"")]
    private partial void LogConverted(string schedule, string quartz, string crontab);

    [LoggerMessage(LogLevel.Error, "Schedule {Schedule} has no recurring job: {Reason}; fix it with `batch-editor schedule remove` and `schedule add`")]
    private partial void LogUnconvertible(string schedule, string reason);
}
