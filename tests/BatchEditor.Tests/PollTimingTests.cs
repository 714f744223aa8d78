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

    [Theory]
    [InlineData(0.3)] [InlineData(1)] [InlineData(2.5)] [InlineData(4)] [InlineData(8)] [InlineData(8.05)] [InlineData(30)] [InlineData(600)] [InlineData(7200)]
    public void Before_anything_is_learned_a_job_gets_at_most_one_request_per_min_interval_plus_one(double seconds)
    {
        var latency = TimeSpan.FromSeconds(seconds);
        var (requests, _) = Poll(null, latency);
        Assert.True(requests <= Math.Ceiling(seconds / Defaults.MinPollInterval.TotalSeconds) + 1, $"{requests} requests for a {seconds} s job");
    }

    [Fact]
    public void Learned_jobs_are_polled_first_at_the_early_end_and_found_done_within_one_close_spacing()
    {
        var learned = new LatencyEstimate(TimeSpan.FromSeconds(7.9), TimeSpan.FromSeconds(8.1), Samples: 64);
        Assert.Equal(TimeSpan.FromSeconds(7.9), PollTiming.NextWait(learned, TimeSpan.Zero, Defaults));

        var (requests, foundAt) = Poll(learned, TimeSpan.FromSeconds(8.05));
        Assert.Equal(2, requests);
        Assert.True(foundAt - TimeSpan.FromSeconds(8.05) <= PollTiming.ClosestSpacing);
    }

    [Theory]
    [InlineData(7.9, 8.1)] [InlineData(7, 8)] [InlineData(1, 6)] [InlineData(4, 8)] [InlineData(0.3, 1.5)] [InlineData(20, 90)]
    public void Learned_jobs_within_the_usual_spread_stay_within_one_request_per_min_interval_plus_one(double early, double late)
    {
        var learned = new LatencyEstimate(TimeSpan.FromSeconds(early), TimeSpan.FromSeconds(late), Samples: 64);
        for (var seconds = early; seconds <= late; seconds += (late - early) / 50)
        {
            var (requests, _) = Poll(learned, TimeSpan.FromSeconds(seconds));
            Assert.True(requests <= Math.Ceiling(seconds / Defaults.MinPollInterval.TotalSeconds) + 1,
                $"{requests} requests for a {seconds:0.###} s job (learned {early}–{late} s)");
        }
    }

    [Fact]
    public void A_job_slower_than_anything_learned_is_backed_off_not_polled_closely_for_ever()
    {
        var learned = new LatencyEstimate(TimeSpan.FromSeconds(7.9), TimeSpan.FromSeconds(8.1), Samples: 64);
        var (requests, _) = Poll(learned, TimeSpan.FromMinutes(10));
        Assert.True(requests < 40, $"{requests} requests for a job 75 times slower than usual");
        Assert.InRange(PollTiming.NextWait(learned, TimeSpan.FromMinutes(10), Defaults), TimeSpan.FromSeconds(1), Defaults.MaxPollInterval);
    }

    [Fact]
    public void A_poll_that_ran_late_catches_up_with_the_plan_instead_of_pushing_it_back()
    {
        // Plan before learning: 1, 3, 5, 7 s… A poll that ran at 5.6 s waits for 7 s, not 5.6 + 2.
        Assert.Equal(TimeSpan.FromSeconds(1.4), PollTiming.NextWait(null, TimeSpan.FromSeconds(5.6), Defaults));
    }

    [Fact]
    public void Latencies_are_learned_from_the_polls_that_bracket_each_completion()
    {
        var latencies = new JobLatencies();
        var kind = JobLatencies.KindOf("pixeldojo", "gpt-image-2", "high");
        Assert.Null(latencies.For(kind));

        for (var i = 0; i < 10; i++) latencies.Record(kind, TimeSpan.FromSeconds(9), lastUnfinished: TimeSpan.FromSeconds(7)); // done between 7 and 9 s
        Assert.Equal(TimeSpan.FromSeconds(8), latencies.For(kind)!.Early);

        // Found done at the first poll: it may have finished before, so it counts a close spacing earlier.
        for (var i = 0; i < 64; i++) latencies.Record(kind, TimeSpan.FromSeconds(8), lastUnfinished: null);
        Assert.Equal(TimeSpan.FromSeconds(8) - PollTiming.ClosestSpacing, latencies.For(kind)!.Late);
        Assert.Null(latencies.For(JobLatencies.KindOf("pixeldojo", "gpt-image-2", "low")));
    }
}
