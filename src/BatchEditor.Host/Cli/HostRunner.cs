using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Host.Cli;

/// <summary>Runs a long-lived host (worker, web) until it is stopped: Ctrl+C, SIGTERM, or the host itself.</summary>
public static partial class HostRunner
{
    /// <param name="afterStart">Checked once the host listens; a problem stops it and is the command's error (exit 2).</param>
    public static async Task<int> RunAsync(IHost host, Func<IHost, string?>? afterStart, CancellationToken ct)
    {
        // SIGTERM (a deploy, an orchestrator) must always mean "stop gracefully": since .NET 10 the runtime no longer
        // handles it, and this registration lives as long as the host, whatever happens to the host's own.
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BatchEditor.Host");
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            LogStopping(logger, "SIGTERM");
            lifetime.StopApplication();
        });
        await host.StartAsync(ct);
        if (afterStart?.Invoke(host) is { } problem)
        {
            await host.StopAsync(CancellationToken.None);
            return CommandHost.Fail(ExitCodes.Usage, problem);
        }
        await host.WaitForShutdownAsync(ct);
        return ExitCodes.Ok;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "{Signal} received: finishing the steps in flight, then stopping")]
    private static partial void LogStopping(ILogger logger, string signal);
}
