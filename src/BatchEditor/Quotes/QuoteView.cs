using BatchEditor.Totals;

namespace BatchEditor.Quotes;

/// <summary>A quote as the CLI's <c>--json</c> and the HTTP API give it: plain figures, seconds for durations.</summary>
public sealed record QuoteView(string Source, int Rows, int Items, bool Queued, IReadOnlyList<QuoteView.Problem> Problems, int ProblemCount,
    IReadOnlyList<QuoteView.ProviderView> Providers, QuoteView.Cost Total, double FinishSeconds, DateTimeOffset? StartsAt, QuoteView.Held? ManifestBudget,
    bool WorkerRunning)
{
    public sealed record Problem(int Line, string? Column, string Message);

    public sealed record Cost(decimal Credits, decimal? Usd, decimal UnpricedCredits, bool Estimated);

    public sealed record Pace(int MaxInFlight, int PerMinute, double JobTimeSeconds, int LearnedFrom);

    public sealed record Held(int HeldItems, string Reason);

    public sealed record ProviderView(string Provider, int Items, Cost Cost, string PriceBasis, double FinishSeconds, Pace Pace, long QueuedAhead, Held? DayBudget);

    /// <summary>A route's later choice: the items that may move to it and what they would cost there.</summary>
    public sealed record Alternative(string Provider, int Items, Cost Cost);

    /// <summary>With routes: each later choice's price for the items that may move to it.</summary>
    public IReadOnlyList<Alternative> Alternatives { get; init; } = [];

    public static QuoteView From(Quote q) => new(
        q.Source, q.Rows, q.Items, Queued: false,
        [.. q.Errors.Select(e => new Problem(e.Line, e.Column, e.Message))], q.ProblemCount,
        [.. q.Providers.Select(p => new ProviderView(p.Provider, p.Items, Of(p.Cost), p.PriceBasis, Seconds(p.Finish),
            new Pace(p.Pace.MaxInFlight, p.Pace.PerMinute, Math.Round(p.Pace.JobTime.TotalSeconds, 2), p.Pace.LearnedFrom), p.Ahead,
            p.DayBudget is { } d ? new Held(d.Items, d.Reason) : null))],
        Of(q.Total), Seconds(q.Finish), q.StartsAt, q.ManifestBudget is { } b ? new Held(b.Items, b.Reason) : null, q.WorkerRunning)
    {
        Alternatives = [.. q.Alternatives.Select(a => new Alternative(a.Provider, a.Items, Of(a.Cost)))],
    };

    private static Cost Of(Money m) => new(m.Credits, m.Usd, m.UnpricedCredits, Estimated: true);

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 1);
}
