using System.Collections.Concurrent;

namespace BatchEditor.Engine.Polling;

/// <summary>
/// How long each provider's jobs take, learned per provider, model and quality from the last jobs this process saw
/// complete. A job's latency is only known to lie between the last poll that found it unfinished and the poll that
/// found it done; <see cref="PollTiming"/> polls closely around the expected completion, so that interval is short.
/// In memory: a restarted worker relearns from its first jobs, polling at the provider's settings meanwhile.
/// </summary>
public sealed class JobLatencies
{
    private const int Window = 64;
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

    /// <summary>The learned spread (10th and 90th percentile), or null while nothing is learned for this kind of job.</summary>
    public LatencyEstimate? For(string kind) => _byKind.TryGetValue(kind, out var samples) ? samples.Estimate() : null;

    private sealed class Samples
    {
        private readonly TimeSpan[] _ring = new TimeSpan[Window];
        private int _count, _next;

        public void Add(TimeSpan latency)
        {
            lock (_ring)
            {
                _ring[_next] = latency;
                _next = (_next + 1) % Window;
                _count = Math.Min(_count + 1, Window);
            }
        }

        public LatencyEstimate? Estimate()
        {
            TimeSpan[] sorted;
            lock (_ring) sorted = _ring[.._count];
            if (sorted.Length == 0) return null;
            Array.Sort(sorted);
            return new(Percentile(sorted, 0.1), Percentile(sorted, 0.9), sorted.Length);
        }

        private static TimeSpan Percentile(TimeSpan[] sorted, double p) => sorted[(int)Math.Floor(p * (sorted.Length - 1))];
    }
}

/// <summary>Most jobs of this kind complete between <paramref name="Early"/> and <paramref name="Late"/> after their submit.</summary>
public sealed record LatencyEstimate(TimeSpan Early, TimeSpan Late, int Samples);
