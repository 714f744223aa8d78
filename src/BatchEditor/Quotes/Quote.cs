using BatchEditor.Manifests;
using BatchEditor.Totals;

namespace BatchEditor.Quotes;

/// <summary>
/// What a manifest would cost and when it would be done, before anything is queued: per provider and in total.
/// <see cref="Errors"/> are the file's problems (then nothing else is filled in: a file that would not import has no quote).
/// </summary>
public sealed record Quote(string Source, int Rows, IReadOnlyList<ProviderQuote> Providers, Money Total, TimeSpan Finish, DateTimeOffset? StartsAt,
    BudgetHold? ManifestBudget, IReadOnlyList<ManifestError> Errors, int ProblemCount, int RowsWithProblems, bool WorkerRunning)
{
    public int Items => Providers.Sum(p => p.Items);

    /// <summary>With routes: what each later choice would cost for the items that may move to it.</summary>
    public IReadOnlyList<RouteAlternative> Alternatives { get; init; } = [];

    /// <summary>"3 problems on 2 of 24 rows".</summary>
    public string ProblemSummary => ReadReport.Summary(ProblemCount, RowsWithProblems, Rows);
}

/// <param name="Ahead">Items of this provider already waiting or in flight, which go first.</param>
/// <param name="DayBudget">What the provider's daily budget would hold back until the next UTC midnight, if anything.</param>
/// <param name="PriceBasis">How the provider's estimate is made (its note for the first item), e.g. what it leaves out.</param>
public sealed record ProviderQuote(string Provider, int Items, Money Cost, TimeSpan Finish, ProviderPace Pace, long Ahead, BudgetHold? DayBudget, string PriceBasis);

/// <summary>A later choice of a route: the items whose route has it after their first provider, and what they would cost there.</summary>
public sealed record RouteAlternative(string Provider, int Items, Money Cost);

/// <summary>How fast a provider takes work, and where the job time came from.</summary>
/// <param name="JobTime">From claim to the job found done: what one in-flight slot is held for.</param>
/// <param name="LearnedFrom">How many recent jobs <paramref name="JobTime"/> is the median of; 0: the documented default.</param>
public sealed record ProviderPace(int MaxInFlight, int PerMinute, TimeSpan JobTime, int LearnedFrom)
{
    /// <summary>The provider's default job time when nothing has been learned yet (docs/quote.md).</summary>
    public static readonly TimeSpan DefaultJobTime = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long <paramref name="items"/> jobs take through this provider: by waves of <see cref="MaxInFlight"/> jobs of
    /// <see cref="JobTime"/> each, or by the request rate plus the last job's time, whichever is slower.
    /// </summary>
    public TimeSpan Duration(long items)
    {
        if (items == 0) return TimeSpan.Zero;
        var byCap = Math.Ceiling((double)items / MaxInFlight) * JobTime.TotalSeconds;
        var byRate = items * 60.0 / PerMinute + JobTime.TotalSeconds;
        return TimeSpan.FromSeconds(Math.Max(byCap, byRate));
    }

    /// <summary>Which limit sets the pace, in words.</summary>
    public string Bound(long items) =>
        Math.Ceiling((double)items / MaxInFlight) * JobTime.TotalSeconds >= items * 60.0 / PerMinute + JobTime.TotalSeconds
            ? $"{MaxInFlight} in flight" : $"{PerMinute} requests a minute";
}

/// <summary>A budget that would hold items back: how many, and why.</summary>
public sealed record BudgetHold(int Items, string Reason);
