using BatchEditor.Providers;

namespace BatchEditor.Items;

/// <summary>
/// One usage-ledger row. The ledger is append-only: a job's best-known cost is the sum of its rows, so a
/// reported figure that differs from the estimate is written as an adjustment, and a refund as a negative row.
/// <paramref name="AttemptId"/> names the submit attempt the row is about (defaults to the transition's attempt).
/// </summary>
public sealed record LedgerEntry(string Kind, decimal Credits, decimal? CostUsd, bool Estimated, decimal? BalanceAfter, string Note, long? AttemptId = null)
{
    public static LedgerEntry Charge(CostReport cost) => new("charge", cost.Credits, cost.CostUsd, cost.Estimated, cost.BalanceAfter, cost.Note);

    /// <summary>
    /// A submit whose fate is unknown may have been billed: its estimate is booked as an estimated charge, so spend
    /// reports never understate what may be owed. Settled when an operator resolves the item (released, adopted or kept).
    /// </summary>
    public static LedgerEntry PossibleCharge(CostReport estimate, long? attemptId) =>
        new("charge", estimate.Credits, estimate.CostUsd, Estimated: true, null, $"possible charge, submit outcome unknown ({estimate.Note})", attemptId);

    /// <summary>Withdraws what was booked for an attempt the provider never turned into a job.</summary>
    public static LedgerEntry Release(decimal credits, decimal? usd, long attemptId, string note) =>
        new("release", -credits, -usd, Estimated: false, null, note, attemptId);

    public static LedgerEntry Refund(decimal credits, decimal? usd, string note) => new("refund", -credits, -usd, Estimated: false, null, note);

    /// <summary>The difference between what the ledger holds for a job and what the provider now reports.</summary>
    public static LedgerEntry? Adjustment(decimal chargedCredits, decimal? chargedUsd, CostReport reported)
    {
        var credits = reported.Credits - chargedCredits;
        var usd = reported.CostUsd - (chargedUsd ?? 0);
        return credits == 0 && (usd ?? 0) == 0 ? null : new("adjustment", credits, usd, reported.Estimated, reported.BalanceAfter, reported.Note);
    }
}
