using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.ReadModel;

/// <summary>How <c>usage</c> groups its rows.</summary>
public enum UsageGrouping { Provider, Manifest, Day, Model }

/// <summary>
/// One row of the usage report: items charged in the period, what the providers' published prices said they would cost
/// (<see cref="EstimatedCredits"/>), what the ledger books (<see cref="BookedCredits"/>: the providers' reported figures,
/// or our estimate where a provider reported none, <see cref="UnreportedCredits"/>), and the difference (booked − estimated).
/// Credits without a price are counted apart (<see cref="EstimatedUnpricedCredits"/>, <see cref="BookedUnpricedCredits"/>).
/// </summary>
public sealed record UsageRow(string Key, long Items, decimal EstimatedCredits, decimal? EstimatedUsd, decimal BookedCredits, decimal? BookedUsd,
    decimal UnreportedCredits, decimal? UnreportedUsd, decimal EstimatedUnpricedCredits = 0, decimal BookedUnpricedCredits = 0, decimal UnreportedUnpricedCredits = 0)
{
    public decimal DifferenceCredits => BookedCredits - EstimatedCredits;

    /// <summary>Only when both sides are priced in full: a difference of partly priced sums would be a difference of prices, not of charges.</summary>
    public decimal? DifferenceUsd => EstimatedUnpricedCredits == 0 && BookedUnpricedCredits == 0 && (BookedUsd is not null || EstimatedUsd is not null)
        ? (BookedUsd ?? 0) - (EstimatedUsd ?? 0) : null;

    public Totals.Money Estimated => new(EstimatedCredits, EstimatedUsd, EstimatedUnpricedCredits, false);
    public Totals.Money Booked => new(BookedCredits, BookedUsd, BookedUnpricedCredits, false);
    public Totals.Money Unreported => new(UnreportedCredits, UnreportedUsd, UnreportedUnpricedCredits, false);
}

/// <summary>
/// The usage report: every ledger row booked since a time, grouped by provider, manifest, UTC day or model, beside the
/// estimate of the same items. Items are grouped with the request fields a price depends on (provider, model, size,
/// quality, n) so the estimate is computed once per kind of request, not once per item.
/// </summary>
public sealed class UsageReport(NpgsqlDataSource dataSource, ProviderRegistry providers)
{
    public async Task<List<UsageRow>> BuildAsync(DateTimeOffset since, UsageGrouping by, CancellationToken ct)
    {
        var key = by switch
        {
            UsageGrouping.Provider => "i.provider",
            UsageGrouping.Manifest => "m.name",
            UsageGrouping.Day => "to_char(c.first_at at time zone 'UTC', 'YYYY-MM-DD')",
            _ => "i.provider || '/' || i.model",
        };
        await using var cmd = dataSource.CreateCommand(
            $"""
            with charged as (
                select item_id, min(created_at) as first_at,
                       sum(credits) as credits, sum(cost_usd) as usd,
                       coalesce(sum(credits) filter (where estimated), 0) as unreported, sum(cost_usd) filter (where estimated) as unreported_usd,
                       coalesce(sum(credits) filter (where cost_usd is null), 0) as unpriced,
                       coalesce(sum(credits) filter (where estimated and cost_usd is null), 0) as unreported_unpriced
                from usage_ledger where created_at >= $1 group by item_id)
            select {key}, i.provider, i.model, i.size, i.quality, i.n, count(*), sum(c.credits), sum(c.usd), sum(c.unreported), sum(c.unreported_usd),
                   sum(c.unpriced), sum(c.unreported_unpriced)
            from charged c join items i on i.id = c.item_id join manifests m on m.id = i.manifest_id
            group by 1, 2, 3, 4, 5, 6
            """);
        cmd.Parameters.AddWithValue(since);
        var rows = new Dictionary<string, UsageRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var request = new EditRequest("", r.GetString(2), "", [], null, r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5), null);
            var estimate = providers.Estimate(r.GetString(1), request);
            var items = r.GetInt64(6);
            var row = new UsageRow(r.GetString(0), items, estimate.Credits * items, estimate.CostUsd * items, r.GetDecimal(7), r.IsDBNull(8) ? null : r.GetDecimal(8),
                r.GetDecimal(9), r.IsDBNull(10) ? null : r.GetDecimal(10), estimate.CostUsd is null ? estimate.Credits * items : 0, r.GetDecimal(11), r.GetDecimal(12));
            rows[row.Key] = rows.TryGetValue(row.Key, out var sum) ? Add(sum, row) : row;
        }
        return [.. rows.Values.OrderBy(x => x.Key, StringComparer.Ordinal)];
    }

    private static UsageRow Add(UsageRow a, UsageRow b) => new(a.Key, a.Items + b.Items, a.EstimatedCredits + b.EstimatedCredits, Plus(a.EstimatedUsd, b.EstimatedUsd),
        a.BookedCredits + b.BookedCredits, Plus(a.BookedUsd, b.BookedUsd), a.UnreportedCredits + b.UnreportedCredits, Plus(a.UnreportedUsd, b.UnreportedUsd),
        a.EstimatedUnpricedCredits + b.EstimatedUnpricedCredits, a.BookedUnpricedCredits + b.BookedUnpricedCredits, a.UnreportedUnpricedCredits + b.UnreportedUnpricedCredits);

    private static decimal? Plus(decimal? a, decimal? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);
}
