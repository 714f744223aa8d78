using BatchEditor.Providers;

namespace BatchEditor.Engine.Polling;

/// <summary>
/// When to poll a job next. Each job follows a fixed plan of poll times counted from its submit, so a poll that runs a
/// little late does not push the later ones back.
/// <list type="bullet">
/// <item>Learned (<see cref="JobLatencies"/>): first at the early end of the usual latency, then closely (at least a
/// quarter of the usual spread, 0.2 s to <see cref="ProviderSettings.MinPollInterval"/>) until one spacing past the late
/// end, then backing off from <see cref="ProviderSettings.MinPollInterval"/> to <see cref="ProviderSettings.MaxPollInterval"/>.
/// A job of the usual latency is found done at most one spacing late, within ⌈latency ÷ MinPollInterval⌉ + 1 status
/// requests (two or three when latencies are steady).</item>
/// <item>Nothing learned yet: at <see cref="ProviderSettings.FirstPollDelay"/>, then every
/// <see cref="ProviderSettings.MinPollInterval"/>, stretching to a quarter of the time already waited: at most
/// ⌈latency ÷ MinPollInterval⌉ + 1 status requests.</item>
/// </list>
/// </summary>
public static class PollTiming
{
    public static readonly TimeSpan ClosestSpacing = TimeSpan.FromMilliseconds(200);

    /// <summary>Polls closer than this to the previous one are skipped (a poll that ran late catches up).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(50);

    /// <summary>The wait before the next poll of a job submitted <paramref name="elapsed"/> ago.</summary>
    public static TimeSpan NextWait(LatencyEstimate? learned, TimeSpan elapsed, ProviderSettings settings) =>
        Plan(learned, settings).First(at => at > elapsed + Slack) - elapsed;

    /// <summary>The poll times of a job, from its submit.</summary>
    public static IEnumerable<TimeSpan> Plan(LatencyEstimate? learned, ProviderSettings settings)
    {
        var at = settings.FirstPollDelay;
        var backOffFrom = TimeSpan.Zero;
        if (learned is not null)
        {
            var spacing = Clamp(Max((learned.Late - learned.Early) / 4, settings.MinPollInterval * SpreadShare(learned)), ClosestSpacing, settings.MinPollInterval);
            for (at = learned.Early; at <= learned.Late + spacing; at += spacing) yield return at;
            backOffFrom = learned.Late;
        }
        while (true)
        {
            yield return at;
            at += Clamp((at - backOffFrom) / 4, settings.MinPollInterval, settings.MaxPollInterval);
        }
    }

    /// <summary>
    /// How much of the usual latency is spread: close polls at least this share of MinPollInterval apart keep a job
    /// completing anywhere in the spread within ⌈latency ÷ MinPollInterval⌉ + 1 status requests.
    /// </summary>
    private static double SpreadShare(LatencyEstimate learned) =>
        learned.Late <= TimeSpan.Zero ? 0 : (learned.Late - learned.Early) / learned.Late;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
