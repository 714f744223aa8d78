using BatchEditor.Jobs;
using Hangfire;

namespace BatchEditor.Scheduling;

/// <summary>
/// A schedule on Hangfire: its recurring job fires <see cref="FireAsync"/>, which enqueues one <see cref="ImportAsync"/>
/// job per new file, so each import shows in the Hangfire dashboard with its file, its retries (a database that went
/// away, a source that could not be read) and its outcome. An invalid file is an outcome (refused, with its problems),
/// not a failure: it is not retried.
/// </summary>
public sealed class ScheduleJobs(ScheduleRunner runner, IBackgroundJobClient jobs)
{
    [Queue(Queues.Schedules)]
    [JobDisplayName("Schedule {0}: look for new files")]
    [AutomaticRetry(Attempts = 3)]
    public async Task<string> FireAsync(string schedule, CancellationToken ct)
    {
        if (await runner.NewFilesAsync(schedule, ct) is not { } files) return $"no schedule named {schedule} (removed)";
        foreach (var file in files) jobs.Enqueue<ScheduleJobs>(j => j.ImportAsync(schedule, file.Name, CancellationToken.None));
        return files.Count == 0 ? "no new files" : $"{files.Count} new file(s): {string.Join(", ", files.Select(f => f.Name))}";
    }

    [Queue(Queues.Imports)]
    [JobDisplayName("Schedule {0}: import {1}")]
    [AutomaticRetry(Attempts = 5)]
    public async Task<string> ImportAsync(string schedule, string file, CancellationToken ct) =>
        await runner.ImportAsync(schedule, file, ct) is { } outcome ? $"{outcome.Outcome}: {outcome.Detail}" : "already seen";
}
