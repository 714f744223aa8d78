using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Engine;

/// <summary>Configuration section <c>Worker</c>.</summary>
public sealed class WorkerOptions
{
    /// <summary>Steps this process runs at once (submits, polls and copies together).</summary>
    [Range(1, 1024)] public int Concurrency { get; set; } = 16;

    /// <summary>How long a claim is held; a step still running after this may lose its item to the rescuer.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest sleep between claims when there is nothing to do (new work also wakes the dispatcher).</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the rescuer (a clustered Quartz job) looks for lapsed leases.</summary>
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Submits retried automatically (only ever when nothing was created) before the item fails.</summary>
    [Range(1, 100)] public int MaxSubmitAttempts { get; set; } = 6;

    /// <summary>Copy rounds before an output that keeps failing is given up (it stays visible as Failed).</summary>
    [Range(1, 1000)] public int MaxCopyAttempts { get; set; } = 10;

    /// <summary>A provider job still running after this long is failed (and reported) rather than polled forever.</summary>
    public TimeSpan MaxJobDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>After a stop is requested, how long in-flight steps may finish before they are cancelled.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Exit once no item is left in an active state (the CLI's <c>worker --until-idle</c>).</summary>
    public bool UntilIdle { get; set; }

    /// <summary>Quartz scheduler name: processes that share it (and the database) form one cluster.</summary>
    public string SchedulerName { get; set; } = "BatchEditor";

    /// <summary>This process's name on leases and history rows; defaults to host:pid.</summary>
    public string? Name { get; set; }

    public string WorkerName => Name ?? $"{Environment.MachineName}:{Environment.ProcessId}";
}
