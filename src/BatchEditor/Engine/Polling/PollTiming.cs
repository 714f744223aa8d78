using BatchEditor.Providers;

namespace BatchEditor.Engine.Polling;

/// <summary>
/// When to poll a job next. Each job follows a plan of poll times counted from its submit, so a poll that runs a little
/// late does not push the later ones back.
/// <list type="bullet">
/// <item>Learned (<see cref="JobLatencies"/>): the <see cref="PollPlan"/> of the last jobs' latencies — closest where most
/// of them complete — then backing off from <see cref="ProviderSettings.MinPollInterval"/> to
/// <see cref="ProviderSettings.MaxPollInterval"/> for a job slower than any of them.</item>
/// <item>Nothing learned yet: at <see cref="ProviderSettings.FirstPollDelay"/>, then every
/// <see cref="ProviderSettings.MinPollInterval"/>, stretching to a quarter of the time already waited.</item>
/// </list>
/// Either way, and whatever was learned while a job ran, its k-th status request goes no earlier than
/// (k − 1) × MinPollInterval after its submit: a job of latency L gets at most ⌈L ÷ MinPollInterval⌉ + 1 of them.
/// </summary>
public static class PollTiming
{
    public static readonly TimeSpan ClosestSpacing = TimeSpan.FromMilliseconds(200);

    /// <summary>Polls closer than this to the previous one are skipped (a poll that ran late catches up).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(50);

    /// <summary>The wait before the next poll of a job submitted <paramref name="elapsed"/> ago and polled <paramref name="polled"/> times.</summary>
    public static TimeSpan NextWait(LatencyEstimate? learned, TimeSpan elapsed, int polled, ProviderSettings settings)
    {
        var planned = Plan(learned, settings).First(at => at > elapsed + Slack);
        var bound = settings.MinPollInterval * polled;
        return (planned > bound ? planned : bound) - elapsed;
    }

    /// <summary>The poll times of a job, from its submit.</summary>
    public static IEnumerable<TimeSpan> Plan(LatencyEstimate? learned, ProviderSettings settings)
    {
        var at = settings.FirstPollDelay;
        var backOffFrom = TimeSpan.Zero;
        var requests = 0;
        if (learned?.PlanFor(settings.MinPollInterval) is { Length: > 0 } plan)
        {
            foreach (var planned in plan) yield return Bounded(planned, requests++, settings);
            backOffFrom = plan[^1];
            at = backOffFrom + settings.MinPollInterval;
        }
        while (true)
        {
            at = Bounded(at, requests++, settings);
            yield return at;
            at += Clamp((at - backOffFrom) / 4, settings.MinPollInterval, settings.MaxPollInterval);
        }
    }

    /// <summary>The (<paramref name="before"/> + 1)-th request no earlier than <paramref name="before"/> × MinPollInterval.</summary>
    private static TimeSpan Bounded(TimeSpan at, int before, ProviderSettings settings) =>
        settings.MinPollInterval * before is var bound && bound > at ? bound : at;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
