using Npgsql;
using Polly;
using Polly.Retry;

namespace BatchEditor.Persistence;

/// <summary>
/// Retries work against PostgreSQL through transient faults (a restart, a failover, a dropped connection) for about a
/// minute, with jittered back-off. Only for idempotent work or guarded compare-and-sets: when a commit's answer is lost,
/// the retry finds the row already moved and matches nothing, which callers treat like a lost lease (nothing is dropped).
/// </summary>
public static class DatabaseRetry
{
    public static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(IsTransient),
            MaxRetryAttempts = 20,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();

    /// <summary>Connection lost or refused, server shutting down or starting, deadlock, serialization failure.</summary>
    public static bool IsTransient(NpgsqlException e) =>
        e.IsTransient || e is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow };

    public static ValueTask<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> work, CancellationToken ct) => Pipeline.ExecuteAsync(work, ct);
}
