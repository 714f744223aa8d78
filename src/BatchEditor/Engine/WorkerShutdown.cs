using BatchEditor.Providers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// The worker's stop, in three moments after the host is asked to stop (SIGTERM, Ctrl+C, <c>--until-idle</c>):
/// <list type="bullet">
/// <item><see cref="Stopping"/> at once: nothing new is claimed; submits not yet sent, polls and copies are handed back.</item>
/// <item><see cref="HardStop"/> after <see cref="Grace"/>: submits still waiting for their answer are abandoned (review).</item>
/// <item><see cref="Deadline"/> 2 s later: the last moment to write anything; what is not written by then is left to the
/// leases and the spill. The host gives its services until <see cref="HostTimeout"/>, and the process is gone at the
/// latest <see cref="ExitAfter"/> after the stop began (the host runner ends it at <see cref="ForceExitAfter"/>).</item>
/// </list>
/// </summary>
public sealed class WorkerShutdown : IDisposable
{
    /// <summary>What the process may take beyond <see cref="Grace"/>, in all: orchestrators wait longer than <see cref="ExitAfter"/>.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan WriteMargin = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _hardStop = new(), _deadline = new();
    private readonly CancellationTokenRegistration _registration;

    public WorkerShutdown(IHostApplicationLifetime lifetime, IOptions<WorkerOptions> options, ProviderRegistry providers)
    {
        Grace = GraceFor(options.Value, providers.Configured.Select(p => p.Settings.RequestTimeout));
        Stopping = lifetime.ApplicationStopping;
        _registration = Stopping.Register(() =>
        {
            _hardStop.CancelAfter(Grace);
            _deadline.CancelAfter(Grace + WriteMargin);
        });
    }

    /// <summary>The configured grace, or the longest request timeout of the providers configured here plus 10 s.</summary>
    public static TimeSpan GraceFor(WorkerOptions options, IEnumerable<TimeSpan> requestTimeouts) =>
        options.ShutdownGrace ?? requestTimeouts.DefaultIfEmpty(TimeSpan.Zero).Max() + TimeSpan.FromSeconds(10);

    public TimeSpan Grace { get; }

    /// <summary>The longest a stop takes, from its request to the process's exit.</summary>
    public TimeSpan ExitAfter => Grace + Margin;

    /// <summary>How long the host waits for its services to stop.</summary>
    public TimeSpan HostTimeout => Grace + WriteMargin + TimeSpan.FromMilliseconds(500);

    /// <summary>When the host runner ends a process whose stop has not finished: well inside <see cref="ExitAfter"/>.</summary>
    public TimeSpan ForceExitAfter => Grace + WriteMargin + TimeSpan.FromMilliseconds(1500);

    public CancellationToken Stopping { get; }
    public CancellationToken HardStop => _hardStop.Token;
    public CancellationToken Deadline => _deadline.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _hardStop.Dispose();
        _deadline.Dispose();
    }
}
