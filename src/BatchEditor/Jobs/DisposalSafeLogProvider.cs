using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;
using HangfireLogLevel = Hangfire.Logging.LogLevel;

namespace BatchEditor.Jobs;

/// <summary>
/// Hangfire's log provider is a process-wide static, set by the last host built, and Hangfire's classes keep the loggers
/// it gave them. When that host is disposed while another one runs (the tests run many hosts in one process), a log call
/// through its disposed <see cref="ILoggerFactory"/> throws inside a Hangfire worker right after it fetched a job, and the
/// job stays fetched, invisible to every worker, for the invisibility timeout. Messages to a disposed factory are dropped.
/// </summary>
internal sealed class DisposalSafeLogProvider(ILoggerFactory factory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(factory);

    public ILog GetLogger(string name) => new SafeLog(_inner, name);

    private sealed class SafeLog(AspNetCoreLogProvider provider, string name) : ILog
    {
        private ILog? _log;

        public bool Log(HangfireLogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                _log ??= provider.GetLogger(name);
                return _log.Log(logLevel, messageFunc, exception);
            }
            catch (ObjectDisposedException)
            {
                return false; // the host that owned the factory is gone; its successor logs through its own
            }
        }
    }
}
