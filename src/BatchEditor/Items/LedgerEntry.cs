using BatchEditor.Providers;

namespace BatchEditor.Items;

/// <summary>
/// One usage-ledger row. The ledger is append-only: a job's best-known cost is the sum of its rows, so a
/// reported figure that differs from the estimate is written as an adjustment, and a refund as a negative row.
/// </summary>
public sealed record LedgerEntry(string Kind, decimal Credits, decimal? CostUsd, bool Estimated, decimal? BalanceAfter, string Note)
{
    public static LedgerEntry Charge(CostReport cost) => new("charge", cost.Credits, cost.CostUsd, cost.Estimated, cost.BalanceAfter, cost.Note);

    public static LedgerEntry Refund(decimal credits, decimal? usd, string note) => new("refund", -credits, -usd, Estimated: false, null, note);

    /// <summary>The difference between what the ledger holds for a job and what the provider now reports.</summary>
    public static LedgerEntry? Adjustment(decimal chargedCredits, decimal? chargedUsd, CostReport reported)
    {
        var credits = reported.Credits - chargedCredits;
        var usd = reported.CostUsd - (chargedUsd ?? 0);
        return credits == 0 && (usd ?? 0) == 0 ? null : new("adjustment", credits, usd, reported.Estimated, reported.BalanceAfter, reported.Note);
    }
}
