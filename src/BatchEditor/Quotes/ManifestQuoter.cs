using BatchEditor.Items;
using BatchEditor.Manifests;
using BatchEditor.Providers;
using BatchEditor.ReadModel;
using BatchEditor.Totals;

namespace BatchEditor.Quotes;

/// <summary>
/// Quotes a manifest: the file is read and validated exactly as <c>submit</c> reads it (streamed, nothing kept but the
/// sums), each row priced with its provider's estimate, and each provider's finish time worked out from its caps, its
/// request rate, the job time learned from its recent jobs and the work already queued ahead. Nothing is written.
/// </summary>
public sealed class ManifestQuoter(ManifestReader reader, ProviderRegistry providers, PaceQueries paces, WorkerQueries workers, RunningTotals totals,
    ActiveItems active, TimeProvider clock)
{
    public async Task<Quote> QuoteAsync(Stream content, string source, ManifestDefaults defaults, ManifestSettings settings, CancellationToken ct)
    {
        var report = new ReadReport();
        var perProvider = new Dictionary<string, (int Items, Money Cost, List<decimal> Credits, List<decimal?> Usd)>();
        var basis = new Dictionary<string, string>();
        var budget = new BudgetCounter(settings.BudgetCredits, settings.BudgetUsd);
        var alternatives = new Dictionary<string, (int Items, Money Cost)>(); // a route's later choices, priced for the rows that may move there
        using (var text = ManifestText.Open(content))
            foreach (var row in reader.Stream(text, defaults, report))
            {
                var estimate = providers.Estimate(row.Provider, row.Request);
                var entry = Money.Entry(estimate.Credits, estimate.CostUsd, estimated: false); // every figure of a quote is an estimate; it says so once
                var p = perProvider.TryGetValue(row.Provider, out var sum) ? sum : (0, Money.Zero, [], []);
                p.Credits.Add(estimate.Credits);
                p.Usd.Add(estimate.CostUsd);
                perProvider[row.Provider] = (p.Items + 1, p.Cost.Plus(entry), p.Credits, p.Usd);
                budget.Add(estimate.Credits, estimate.CostUsd);
                basis.TryAdd(row.Provider, estimate.Note);
                foreach (var choice in (row.Route ?? []).Skip(1).Select(RouteChoice.Parse))
                {
                    var there = providers.Estimate(choice.Provider, row.Request with { Model = choice.Model! });
                    var a = alternatives.TryGetValue(choice.Provider, out var seen) ? seen : (Items: 0, Cost: Money.Zero);
                    alternatives[choice.Provider] = (a.Items + 1, a.Cost.Plus(Money.Entry(there.Credits, there.CostUsd, estimated: false)));
                }
            }
        if (report.Count > 0)
            return new(source, report.RowCount, [], Money.Zero, TimeSpan.Zero, null, null, report.Errors, report.Count, report.RowsWithProblems, true);

        var learned = await paces.JobTimesAsync([.. perProvider.Keys], ct);
        var ahead = (await active.ByProviderAsync(ct)).ToDictionary(a => a.Provider, a => a.Items);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var spentToday = await totals.SpendByProviderAsync(today, ct);
        var quotes = new List<ProviderQuote>();
        foreach (var (name, (items, cost, credits, usd)) in perProvider.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var settingsOf = providers.Configured.FirstOrDefault(c => c.Name == name).Settings ?? new ProviderSettings();
            var (jobTime, samples) = learned.TryGetValue(name, out var l) ? l : (ProviderPace.DefaultJobTime, 0);
            var pace = new ProviderPace(settingsOf.MaxConcurrency, settingsOf.RequestsPerMinute, jobTime, samples);
            var waiting = ahead.GetValueOrDefault(name);
            quotes.Add(new(name, items, cost, pace.Duration(waiting + items), pace, waiting,
                DayBudgetHold(name, settingsOf, spentToday.GetValueOrDefault(name), credits, usd), basis[name]));
        }
        var total = quotes.Aggregate(Money.Zero, (m, q) => m.Plus(q.Cost));
        var finish = quotes.Count == 0 ? TimeSpan.Zero : quotes.Max(q => q.Finish);
        var workerRunning = await workers.AnyRunningAsync(ct);
        return new(source, report.RowCount, quotes, total, finish, settings.NotBefore, budget.Hold, [], 0, 0, workerRunning)
        {
            Alternatives = [.. alternatives.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new RouteAlternative(a.Key, a.Value.Items, a.Value.Cost))],
        };
    }

    /// <summary>Items past what the provider's daily budget has left today, counted in file order.</summary>
    private static BudgetHold? DayBudgetHold(string provider, ProviderSettings settings, Spend? spent, List<decimal> credits, List<decimal?> usd)
    {
        if (settings.DailyBudgetCredits is null && settings.DailyBudgetUsd is null) return null;
        var counter = new BudgetCounter(settings.DailyBudgetCredits - (spent?.Credits ?? 0), settings.DailyBudgetUsd - (spent?.CostUsd ?? 0));
        for (var i = 0; i < credits.Count; i++) counter.Add(credits[i], usd[i]);
        return counter.Hold is { } hold
            ? hold with { Reason = $"{provider}'s daily budget ({hold.Reason}, {Money.Number(spent?.Credits ?? 0)} credits spent today) holds them until 00:00 UTC" }
            : null;
    }

    /// <summary>Adds estimates in file order and counts the items past a budget.</summary>
    private sealed class BudgetCounter(decimal? credits, decimal? usd)
    {
        private decimal _credits, _usd;
        private int _over, _fits;

        public void Add(decimal itemCredits, decimal? itemUsd)
        {
            if (credits is null && usd is null) return;
            if (_over > 0 || (credits is { } c && _credits + itemCredits > c) || (usd is { } u && (itemUsd is null || _usd + itemUsd.Value > u)))
            {
                _over++;
                return;
            }
            _credits += itemCredits;
            _usd += itemUsd ?? 0;
            _fits++;
        }

        public BudgetHold? Hold => _over == 0 ? null
            : new(_over, $"{Describe()} covers {_fits} item(s)");

        private string Describe() => string.Join(" and ", new[]
        {
            credits is { } c ? $"{Money.Number(Math.Max(0, c))} credits" : null,
            usd is { } u ? Money.Dollars(Math.Max(0, u)) : null,
        }.OfType<string>());
    }
}
