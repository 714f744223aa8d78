using System.Collections.Concurrent;

namespace BatchEditor.Engine.Polling;

/// <summary>
/// How long each provider's jobs take, learned per provider, model and quality from the last jobs this process saw
/// complete. A job's latency is only known to lie between the last poll that found it unfinished and the poll that
/// found it done; <see cref="PollTiming"/> polls closely where jobs usually complete, so that interval is short.
/// In memory: a restarted worker relearns from its first jobs, polling at the provider's settings meanwhile.
/// </summary>
public sealed class JobLatencies(TimeProvider clock)
{
    private const int Window = 128;

    /// <summary>A new completion changes the estimate (and its poll plan) at most this often.</summary>
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Samples> _byKind = new();

    /// <summary>What latency depends on: the provider, its model and the quality asked for.</summary>
    public static string KindOf(string provider, string model, string? quality) => $"{provider}|{model}|{quality}";

    public static string KindOf(Items.ClaimedItem item) => KindOf(item.Provider, item.Request.Model, item.Request.Quality);

    /// <summary>
    /// A job seen done <paramref name="seenDone"/> after its submit, last seen unfinished at <paramref name="lastUnfinished"/>
    /// (null: the first poll found it done).
    /// </summary>
    public void Record(string kind, TimeSpan seenDone, TimeSpan? lastUnfinished)
    {
        // Between two polls: the middle. Done at the first poll: it may have finished before, so count it one close spacing
        // earlier; the next jobs are then polled a little sooner, until polls bracket the completion again.
        var latency = lastUnfinished is { } unfinished && unfinished < seenDone ? (unfinished + seenDone) / 2 : seenDone - PollTiming.ClosestSpacing;
        _byKind.GetOrAdd(kind, _ => new Samples()).Add(latency < TimeSpan.Zero ? TimeSpan.Zero : latency);
    }

    /// <summary>The learned latencies, or null while nothing is learned for this kind of job.</summary>
    public LatencyEstimate? For(string kind) => _byKind.TryGetValue(kind, out var samples) ? samples.Estimate(clock.GetUtcNow()) : null;

    private sealed class Samples
    {
        private readonly TimeSpan[] _ring = new TimeSpan[Window];
        private int _count, _next;
        private bool _changed;
        private LatencyEstimate? _estimate;
        private DateTimeOffset _builtAt;

        public void Add(TimeSpan latency)
        {
            lock (_ring)
            {
                _ring[_next] = latency;
                _next = (_next + 1) % Window;
                _count = Math.Min(_count + 1, Window);
                _changed = true;
            }
        }

        public LatencyEstimate? Estimate(DateTimeOffset now)
        {
            lock (_ring)
            {
                if (_count == 0) return null;
                if (_estimate is null || (_changed && now - _builtAt >= RefreshEvery))
                {
                    var sorted = _ring[.._count];
                    Array.Sort(sorted);
                    (_estimate, _builtAt, _changed) = (new LatencyEstimate(sorted), now, false);
                }
                return _estimate;
            }
        }
    }
}

/// <summary>The latencies of the last jobs of one kind, ascending, and the poll plans made from them.</summary>
public sealed class LatencyEstimate(TimeSpan[] sorted)
{
    private readonly ConcurrentDictionary<TimeSpan, TimeSpan[]> _plans = new();

    public IReadOnlyList<TimeSpan> Sorted => sorted;

    /// <summary>The poll times that find these jobs done soonest within the request bound of <paramref name="minPollInterval"/>.</summary>
    public TimeSpan[] PlanFor(TimeSpan minPollInterval) => _plans.GetOrAdd(minPollInterval, interval => PollPlan.Optimal(sorted, interval));

    public static LatencyEstimate Of(params double[] seconds) => new([.. seconds.Select(TimeSpan.FromSeconds).Order()]);
}
