namespace BatchEditor.Engine;

/// <summary>Retry and poll delays: exponential with full jitter, bounded, so retries of many items spread out.</summary>
public static class Backoff
{
    public static TimeSpan Exponential(int attempt, TimeSpan initial, TimeSpan max)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1)));
        // Half fixed, half random: never sooner than half the ceiling, so a retry storm cannot form.
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    /// <summary>Poll interval: starts at the provider's minimum, grows by half each poll, capped at its maximum.</summary>
    public static TimeSpan Poll(int pollCount, TimeSpan min, TimeSpan max) =>
        TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(1.5, pollCount)));
}
