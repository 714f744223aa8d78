using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// Keeps the last lines an in-process host logged (Hangfire's from Debug, BatchEditor's from Information, the rest from Warning),
/// so a test that times out can say what the worker was doing instead of only that it did not finish.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private const int Keep = 400;
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public string Tail(int count) => string.Join("\n", _lines.TakeLast(count));

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Keep) _lines.TryDequeue(out _);
    }

    public void Dispose() { }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        private readonly LogLevel _least = category.StartsWith("Hangfire", StringComparison.Ordinal) ? LogLevel.Debug
            : category.StartsWith("BatchEditor", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _least;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel.ToString()[..4]} {category[(category.LastIndexOf('.') + 1)..]}: {formatter(state, exception)}";
            capture.Add(exception is null ? line : $"{line} ({exception.GetType().Name}: {exception.Message})");
        }
    }
}
