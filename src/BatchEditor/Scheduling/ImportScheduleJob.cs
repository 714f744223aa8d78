using Quartz;

namespace BatchEditor.Scheduling;

/// <summary>The Quartz job behind every schedule (job and trigger keyed by the schedule's name in <see cref="Group"/>).</summary>
[DisallowConcurrentExecution]
public sealed class ImportScheduleJob(ScheduleRunner runner) : IJob
{
    public const string Group = "schedules";

    public static JobKey KeyOf(string schedule) => new(schedule, Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await runner.RunAsync(context.JobDetail.Key.Name, cancellationToken);
}
