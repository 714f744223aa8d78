using BatchEditor.ReadModel;

namespace BatchEditor.Tests;

/// <summary>The providers page names what sets a provider's pace while items wait, and the setting that raises it.</summary>
public class ProviderBottleneckTests
{
    private static ProviderHealth Health(long waiting, long inFlight, long lastMinute) =>
        new("pixeldojo", Configured: true, MaxInFlight: 4, PerMinuteCap: 10, InFlight: inFlight, RequestsLastMinute: lastMinute,
            AttemptsLast15Min: 40, ErrorRate: 0, Breaker: null, Pause: null, BreakerOpen: false, Waiting: waiting);

    [Fact]
    public void The_request_rate_or_the_concurrency_is_named_with_its_setting_only_while_items_wait()
    {
        Assert.Equal("its request rate (10/min) is the bottleneck for 120 waiting item(s): raise Providers__PixelDojo__RequestsPerMinute if your plan allows",
            Health(waiting: 120, inFlight: 2, lastMinute: 10).Bottleneck);
        Assert.Equal("its concurrency (4 jobs at once) is the bottleneck for 7 waiting item(s): raise Providers__PixelDojo__MaxConcurrency if your plan allows",
            Health(waiting: 7, inFlight: 4, lastMinute: 3).Bottleneck);
        Assert.Null(Health(waiting: 0, inFlight: 4, lastMinute: 10).Bottleneck); // at its caps, but nothing waits for them
        Assert.Null(Health(waiting: 5, inFlight: 1, lastMinute: 2).Bottleneck);  // below both caps
        Assert.Contains("the bottleneck for 10,000+ waiting item(s)", Health(waiting: ProviderHealthQueries.WaitingCounted + 1, inFlight: 4, lastMinute: 3).Bottleneck);
    }
}
