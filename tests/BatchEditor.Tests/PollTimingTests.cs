using BatchEditor.Engine.Polling;
using BatchEditor.Providers;

namespace BatchEditor.Tests;

public sealed class PollTimingTests
{
    private static readonly ProviderSettings Defaults = new(); // first poll 1 s, then every 2 s, at most 30 s apart

    /// <summary>Status requests a job of <paramref name="latency"/> gets: every poll before it completes, and the one that finds it done.</summary>
    private static (int Requests, TimeSpan FoundAt) Poll(LatencyEstimate? learned, TimeSpan latency)
    {
        var requests = 0;
        foreach (var at in PollTiming.Plan(learned, Defaults))
        {
            requests++;
            if (at >= latency) return (requests, at);
        }
        throw new InvalidOperationException("the plan ended");
    }

    private static int Bound(double seconds) => (int)Math.Ceiling(seconds / Defaults.MinPollInterval.TotalSeconds) + 1;

    /// <summary>Lognormal latencies (median, p95) at evenly spaced quantiles, as B9 scripts them.</summary>
    private static LatencyEstimate Lognormal(double median, double p95, int count = 64)
    {
        var sigma = Math.Log(p95 / median) / 1.645;
        return LatencyEstimate.Of([.. Enumerable.Range(0, count).Select(i => median * Math.Exp(sigma * InverseNormal((i + 0.5) / count)))]);
    }

    private static double InverseNormal(double p)
    {
        // Bisection on the normal CDF (erf by Abramowitz–Stegun 7.1.26): plenty for test data.
        static double Cdf(double x)
        {
            var t = 1 / (1 + 0.3275911 * Math.Abs(x) / Math.Sqrt(2));
            var erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x / 2);
            return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
        }
        double lo = -6, hi = 6;
        for (var i = 0; i < 60; i++) { var mid = (lo + hi) / 2; if (Cdf(mid) < p) lo = mid; else hi = mid; }
        return (lo + hi) / 2;
    }

    [Theory]
    [InlineData(0.3)] [InlineData(1)] [InlineData(2.5)] [InlineData(4)] [InlineData(8)] [InlineData(8.05)] [InlineData(30)] [InlineData(600)] [InlineData(7200)]
    public void Before_anything_is_learned_a_job_gets_at_most_one_request_per_min_interval_plus_one(double seconds)
    {
        var (requests, _) = Poll(null, TimeSpan.FromSeconds(seconds));
        Assert.True(requests <= Bound(seconds), $"{requests} requests for a {seconds} s job");
    }

    [Fact]
    public void Steady_latencies_are_polled_first_just_before_they_usually_end_and_found_within_a_close_spacing()
    {
        var learned = LatencyEstimate.Of([.. Enumerable.Range(0, 64).Select(i => 7.9 + 0.2 * i / 63)]);
        var first = PollTiming.NextWait(learned, TimeSpan.Zero, polled: 0, Defaults);
        Assert.InRange(first.TotalSeconds, 7.8, 8.0);

        var (requests, foundAt) = Poll(learned, TimeSpan.FromSeconds(8.05));
        Assert.InRange(requests, 1, 3);
        Assert.True(foundAt - TimeSpan.FromSeconds(8.05) <= PollTiming.ClosestSpacing, $"found {foundAt.TotalSeconds} s");
    }

    [Theory]
    [InlineData(8.3, 20)] [InlineData(80, 280)] [InlineData(4, 8)] [InlineData(0.5, 1.5)] [InlineData(30, 300)]
    public void Whatever_the_spread_no_job_gets_more_than_one_request_per_min_interval_plus_one(double median, double p95)
    {
        var learned = Lognormal(median, p95);
        var longest = learned.Sorted[^1].TotalSeconds * 3;
        for (var seconds = 0.05; seconds <= longest; seconds += longest / 400)
        {
            var (requests, _) = Poll(learned, TimeSpan.FromSeconds(seconds));
            Assert.True(requests <= Bound(seconds), $"{requests} requests for a {seconds:0.###} s job (lognormal {median} s median, {p95} s p95)");
        }
    }

    [Fact]
    public void With_spread_polls_are_closest_where_most_jobs_complete()
    {
        // B9's latencies: median 8.3 s, p95 20 s. Half of them end within a few seconds of the median; the plan spends
        // the requests the bound allows there, and a job of the median latency is found done within a second on average.
        var learned = Lognormal(8.3, 20);
        var delays = learned.Sorted.Select(latency => (Poll(learned, latency).FoundAt - latency).TotalSeconds).ToArray();
        Assert.True(delays.Average() < 0.8, $"found on average {delays.Average():0.00} s after completing");
        var plan = PollTiming.Plan(learned, Defaults).Take(12).ToArray();
        var gapsNearMedian = plan.Zip(plan.Skip(1)).Where(p => p.First.TotalSeconds is > 6 and < 11).Select(p => (p.Second - p.First).TotalSeconds);
        var gapsInTail = plan.Zip(plan.Skip(1)).Where(p => p.First.TotalSeconds > 16).Select(p => (p.Second - p.First).TotalSeconds);
        Assert.True(gapsNearMedian.Max() < gapsInTail.Min(), $"plan {string.Join(", ", plan.Select(t => t.TotalSeconds.ToString("0.0")))}");
    }

    [Theory]
    [InlineData(2, 1.05, 1.08)]
    [InlineData(1, 1.00, 1.045)]
    public void Even_knowing_B9s_latencies_no_plan_within_the_bound_reaches_the_FIFO_schedule(double minPoll, double atLeast, double atMost)
    {
        // B9's jobs (400, lognormal 8.3 s median, 20 s p95, 50 slots), their latencies known in advance, no overhead but
        // the detection: the best a plan within ⌈latency ÷ MinPollInterval⌉ + 1 requests can do against a FIFO schedule
        // that frees each slot the moment its job completes. About 1.06 at 2 s: B9's ≤ 1.05 needs a closer bound.
        var settings = new ProviderSettings { MinPollInterval = TimeSpan.FromSeconds(minPoll) };
        var learned = Lognormal(8.3, 20, count: 400);
        var random = new Random(7);
        var jobs = learned.Sorted.OrderBy(_ => random.Next()).ToArray();
        double Makespan(Func<TimeSpan, TimeSpan> slotFreedAfter)
        {
            var slots = new PriorityQueue<double, double>(Enumerable.Range(0, 50).Select(_ => (0.0, 0.0)));
            var end = 0.0;
            foreach (var job in jobs)
            {
                var freed = slots.Dequeue() + slotFreedAfter(job).TotalSeconds;
                slots.Enqueue(freed, freed);
                end = Math.Max(end, freed);
            }
            return end;
        }
        var polled = Makespan(job => PollTiming.Plan(learned, settings).First(at => at >= job));
        var ratio = polled / Makespan(job => job);
        Assert.InRange(ratio, atLeast, atMost);
        Assert.All(jobs, job => Assert.True(PollTiming.Plan(learned, settings).TakeWhile(at => at < job).Count() + 1 <= Math.Ceiling(job / settings.MinPollInterval) + 1));
    }

    [Fact]
    public void A_poll_count_above_the_plan_holds_the_next_poll_to_the_bound()
    {
        // Learned while the job ran: its plan now wants a poll at 4.1 s, but it was polled 3 times already (at 1, 3 and
        // 4 s, say): the 4th request waits until 6 s.
        var learned = LatencyEstimate.Of([.. Enumerable.Range(0, 64).Select(i => 4.2 + i * 0.01)]);
        Assert.Equal(TimeSpan.FromSeconds(2), PollTiming.NextWait(learned, TimeSpan.FromSeconds(4), polled: 3, Defaults));
    }

    [Fact]
    public void A_job_slower_than_anything_learned_is_backed_off_not_polled_closely_for_ever()
    {
        var learned = LatencyEstimate.Of([.. Enumerable.Range(0, 64).Select(i => 7.9 + 0.2 * i / 63)]);
        var (requests, _) = Poll(learned, TimeSpan.FromMinutes(10));
        Assert.True(requests < 40, $"{requests} requests for a job 75 times slower than usual");
        Assert.InRange(PollTiming.NextWait(learned, TimeSpan.FromMinutes(10), polled: 30, Defaults), TimeSpan.FromSeconds(1), Defaults.MaxPollInterval);
    }

    [Fact]
    public void A_poll_that_ran_late_catches_up_with_the_plan_instead_of_pushing_it_back()
    {
        // Plan before learning: 1, 3, 5, 7 s… A poll that ran at 5.6 s waits for 7 s, not 5.6 + 2.
        Assert.Equal(TimeSpan.FromSeconds(1.4), PollTiming.NextWait(null, TimeSpan.FromSeconds(5.6), polled: 3, Defaults));
    }

    [Fact]
    public void Latencies_are_learned_from_the_polls_that_bracket_each_completion()
    {
        var clock = new ManualClock();
        var latencies = new JobLatencies(clock);
        var kind = JobLatencies.KindOf("pixeldojo", "gpt-image-2", "high");
        Assert.Null(latencies.For(kind));

        for (var i = 0; i < 10; i++) latencies.Record(kind, TimeSpan.FromSeconds(9), lastUnfinished: TimeSpan.FromSeconds(7)); // done between 7 and 9 s
        Assert.Equal(TimeSpan.FromSeconds(8), latencies.For(kind)!.Sorted[0]);

        // Found done at the first poll: it may have finished before, so it counts a close spacing earlier. The estimate
        // changes at most once a second.
        for (var i = 0; i < 200; i++) latencies.Record(kind, TimeSpan.FromSeconds(8), lastUnfinished: null);
        Assert.Equal(TimeSpan.FromSeconds(8), latencies.For(kind)!.Sorted[^1]);
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.FromSeconds(8) - PollTiming.ClosestSpacing, latencies.For(kind)!.Sorted[^1]);
        Assert.Null(latencies.For(JobLatencies.KindOf("pixeldojo", "gpt-image-2", "low")));
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
