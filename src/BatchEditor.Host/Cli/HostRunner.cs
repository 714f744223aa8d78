using System.Runtime.InteropServices;
using BatchEditor.Engine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Host.Cli;

/// <summary>Runs a long-lived host (worker, web) until it is stopped: Ctrl+C, SIGTERM, or the host itself.</summary>
public static partial class HostRunner
{
    /// <summary>How long a host without a worker (<c>web</c>) may take to stop.</summary>
    private static readonly TimeSpan WebStop = TimeSpan.FromSeconds(8);

    /// <param name="afterStart">Checked once the host listens; a problem stops it and is the command's error (exit 2).</param>
    public static async Task<int> RunAsync(IHost host, Func<IHost, string?>? afterStart, CancellationToken ct)
    {
        // SIGTERM (a deploy, an orchestrator) and Ctrl+C must always mean "stop gracefully": since .NET 10 the runtime no
        // longer handles SIGTERM, and these registrations live as long as the host, whatever happens to the host's own.
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BatchEditor.Host");
        // However the stop goes (a database that is gone, a service that hangs), the process is gone at the promised time.
        var exitAfter = host.Services.GetService<WorkerShutdown>()?.ForceExitAfter ?? WebStop;
        var watching = 0;
        void Watch()
        {
            if (Interlocked.Exchange(ref watching, 1) == 0) _ = ExitLateAsync(exitAfter, logger);
        }
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            Watch(); // first: the stop's own callbacks may take a while
            LogStopping(logger, signal.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT");
            lifetime.StopApplication();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var watchdog = lifetime.ApplicationStopping.Register(Watch); // a stop for any other reason
        await host.StartAsync(ct);
        if (afterStart?.Invoke(host) is { } problem)
        {
            await host.StopAsync(CancellationToken.None);
            return CommandHost.Fail(ExitCodes.Usage, problem);
        }
        await host.WaitForShutdownAsync(ct);
        return ExitCodes.Ok;
    }

    private static async Task ExitLateAsync(TimeSpan after, ILogger logger)
    {
        await Task.Delay(after);
        LogForcedExit(logger, after);
        Console.Error.WriteLine($"error: stopping took longer than {after.TotalSeconds:0.#} s; exiting now (what was not written is left to the leases and the spill)");
        await Task.Delay(100); // the console logger writes on its own thread
        // Not Environment.Exit: its exit handlers wait for the host to stop (up to its shutdown timeout), which is what
        // did not happen. _exit ends the process now; every answer not written is already in the spill or the log.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) ExitNow(ExitCodes.Failed);
        Environment.Exit(ExitCodes.Failed);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int code);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "{Signal} received: finishing the steps in flight, then stopping")]
    private static partial void LogStopping(ILogger logger, string signal);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Stopping took longer than {Limit}; exiting now")]
    private static partial void LogForcedExit(ILogger logger, TimeSpan limit);
}
