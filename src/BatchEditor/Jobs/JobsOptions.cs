using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Jobs;

/// <summary>
/// Configuration section <c>Jobs</c>: the Hangfire server every worker runs beside its item dispatcher (schedules,
/// imports, webhooks, maintenance). Item steps never run here.
/// </summary>
public sealed class JobsOptions
{
    /// <summary>Hangfire workers per process: imports and webhooks are few and short, the dispatcher does the bulk.</summary>
    [Range(1, 64)] public int WorkerCount { get; set; } = 4;

    /// <summary>How often an idle Hangfire worker looks for a job (each look is one small query).</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often due recurring and delayed jobs (schedules, webhook retries) are moved to their queues.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A dashboard or API action on a manifest with more items than this to touch (one page of transitions) runs as a
    /// Hangfire job instead of within the request.
    /// </summary>
    [Range(1, 1_000_000)] public int InlineActionItems { get; set; } = 5_000;
}

/// <summary>The Hangfire queues, in the order a server takes them.</summary>
public static class Queues
{
    public const string Maintenance = "maintenance", Schedules = "schedules", Imports = "imports", Webhooks = "webhooks", Operations = "operations";

    public static readonly string[] All = [Maintenance, Schedules, Imports, Webhooks, Operations, "default"];
}
