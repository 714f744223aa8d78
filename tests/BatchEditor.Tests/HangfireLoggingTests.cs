using BatchEditor.Jobs;
using Hangfire.AspNetCore;
using Microsoft.Extensions.Logging;
using HangfireLogLevel = Hangfire.Logging.LogLevel;

namespace BatchEditor.Tests;

/// <summary>
/// Hangfire's log provider is process-wide: a host disposed while another runs must not make the other's Hangfire
/// workers throw (a worker that throws right after fetching a job leaves it invisible for the invisibility timeout).
/// </summary>
public class HangfireLoggingTests
{
    private sealed class Lines : ILoggerProvider
    {
        public List<string> Logged { get; } = [];
        public ILogger CreateLogger(string categoryName) => new Line(this);
        public void Dispose() { }

        private sealed class Line(Lines lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Logged.Add(formatter(state, exception));
        }
    }

    [Fact]
    public void A_disposed_hosts_logger_factory_drops_Hangfire_messages_instead_of_throwing()
    {
        var lines = new Lines();
        var factory = LoggerFactory.Create(b => b.AddProvider(lines).SetMinimumLevel(LogLevel.Trace));
        var safe = new DisposalSafeLogProvider(factory);
        Assert.True(safe.GetLogger("Hangfire.Server.Worker").Log(HangfireLogLevel.Info, () => "while the host runs"));
        Assert.Equal(["while the host runs"], lines.Logged);

        factory.Dispose();
        // What Hangfire's own provider does once its host is gone: the call throws inside Hangfire's worker.
        Assert.Throws<ObjectDisposedException>(() => new AspNetCoreLogProvider(factory).GetLogger("Hangfire.Server.Worker").Log(HangfireLogLevel.Debug, () => "fetched"));
        Assert.False(safe.GetLogger("Hangfire.Server.Worker").Log(HangfireLogLevel.Debug, () => "fetched"));
        Assert.Single(lines.Logged);
    }
}
