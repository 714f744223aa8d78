using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Engine;

/// <summary>Configuration section <c>Worker</c>.</summary>
public sealed class WorkerOptions
{
    /// <summary>Steps this process runs at once (submits, polls and copies together).</summary>
    [Range(1, 1024)] public int Concurrency { get; set; } = 16;

    /// <summary>
    /// How long a claim is held without renewal. Running steps renew their leases every third of this, so only a worker
    /// that stopped (crashed, paused, cut off from the database) loses its items to the rescuer.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest sleep between claims when there is nothing to do (new work also wakes the dispatcher).</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a progress line is logged for each manifest the worker is working on.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often Pending items of a route are moved off providers that cannot take work (breaker open, paused).</summary>
    public TimeSpan RouteInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the rescuer (in the workers' Hangfire servers, once cluster-wide) looks for lapsed leases, and the spill is replayed.</summary>
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long an item keeps waiting through refusals that prove nothing was created (429, 503, a refused connection, an
    /// input that cannot be fetched yet) before it fails: a provider outage of minutes or hours costs time, not items.
    /// </summary>
    public TimeSpan SubmitRetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The first wait after such a refusal without Retry-After; it doubles (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two such retries (the back-off grows to this and stays there).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Copy rounds before an output whose source keeps failing (5xx, stalls, truncated bodies) is given up (Failed, with
    /// the reason). A storage outage does not count: the copy waits for the store until the outputs expire.
    /// </summary>
    [Range(1, 1000)] public int MaxCopyAttempts { get; set; } = 10;

    /// <summary>
    /// Copies in a row that fail for one cause of ours (the outbound guard, the store) before new submissions to that
    /// provider are paused: outputs that cannot be stored are not bought again and again.
    /// </summary>
    [Range(1, 1000)] public int CopyFailuresBeforePause { get; set; } = 3;

    /// <summary>How long outputs whose provider states no expiry (and inline outputs) are waited for through a storage outage.</summary>
    public TimeSpan AssumedOutputLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A provider job still running after this long is failed (and reported) rather than polled forever.</summary>
    public TimeSpan MaxJobDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// After a stop is requested (SIGTERM: a deploy, a scale-in), how long submits already sent may wait for their answer
    /// before they are abandoned (and parked for review). Unset: the longest <c>RequestTimeout</c> of the providers
    /// configured here plus 10 s, so no answer is cut short (70 s for queues, 310 s with a synchronous provider). The
    /// process exits at the latest 5 s after it, whatever state the database is in; orchestrators must wait longer than
    /// that before they kill (see <see cref="WorkerShutdown"/>).
    /// </summary>
    public TimeSpan? ShutdownGrace { get; set; }

    /// <summary>
    /// How long a provider's answer (a job id, outputs) is retried into the database before it is written to
    /// <see cref="SpillDirectory"/> instead: an answer is never only in memory for longer than this.
    /// </summary>
    public TimeSpan AnswerRecordWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Where answers that could not be recorded wait until the database takes them (replayed by every worker that
    /// shares this folder). On Kubernetes, mount a volume here that outlives the pod.
    /// </summary>
    public string SpillDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "batch-editor-spill");

    /// <summary>Exit once no item is left in an active state (the CLI's <c>worker --until-idle</c>).</summary>
    public bool UntilIdle { get; set; }

    /// <summary>This process's name on leases and history rows, for people; defaults to host:pid:random.</summary>
    public string? Name { get; set; }

    // For people only: ownership is the per-claim lease token, so a restarted process reusing a pid owns nothing.
    private readonly string _defaultName = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..4]}";

    public string WorkerName => Name ?? _defaultName;

    public TimeSpan LeaseRenewInterval => LeaseDuration / 3;
}
