using System.Globalization;
using BatchEditor.Items;
using BatchEditor.Providers;

namespace BatchEditor.Budgets;

/// <summary>What the claim may send, and what must stop: manifests to hold, providers to pause until the next UTC midnight.</summary>
public sealed record BudgetDecision(IReadOnlyList<(SubmitCandidate Item, CostReport Estimate)> Send, IReadOnlyDictionary<Guid, string> HoldManifests,
    IReadOnlyDictionary<string, string> PauseProviders, DateTimeOffset NextMidnight);

/// <summary>
/// Keeps spending inside budgets. Runs inside the submission claim, under its cluster-wide lock, so no two workers
/// decide at once: for each picked item, what the manifest (and the provider today) has been charged, plus the
/// estimates reserved by items still Submitting, plus this item's estimate, must stay within the budget. An item that
/// does not fit is not sent: its manifest is held with the reason (an operator raises the budget or cancels), or its
/// provider is paused until the next UTC midnight (a daily budget renews by itself). Estimates are the providers'
/// published prices; a provider that bills more than its estimate can overrun a budget by that difference, which the
/// usage report shows. What is charged and what is reserved are read in one statement, so one snapshot: a submit
/// accepted meanwhile (its reservation replaced by its charge) is counted once, never in neither. "Today" is the
/// database's UTC day, not this machine's.
/// </summary>
public sealed class BudgetGuard(ProviderRegistry providers, OperatorTransitions transitions, ManifestItemPages pages, ProviderPauses pauses)
{
    /// <param name="estimate">What an item is expected to cost where it goes (default: its provider's estimate; a batch's is lower).</param>
    public async Task<BudgetDecision> DecideAsync(SubmitClaimScope claim, IReadOnlyList<SubmitCandidate> candidates, CancellationToken ct,
        Func<SubmitCandidate, CostReport>? estimate = null)
    {
        var budgeted = candidates.Where(c => c.BudgetCredits is not null || c.BudgetUsd is not null).Select(c => c.ManifestId).Distinct().ToList();
        var sending = candidates.Select(c => c.Provider).ToHashSet();
        var dailyCaps = providers.Configured
            .Where(p => sending.Contains(p.Name) && (p.Settings.DailyBudgetCredits is not null || p.Settings.DailyBudgetUsd is not null))
            .ToDictionary(p => p.Name, p => p.Settings);

        var (manifestSpend, providerSpend, midnight) = await claim.SpendAsync(budgeted, [.. dailyCaps.Keys], ct);

        var send = new List<(SubmitCandidate, CostReport)>();
        var hold = new Dictionary<Guid, string>();
        var pause = new Dictionary<string, string>();
        foreach (var item in candidates)
        {
            if (hold.ContainsKey(item.ManifestId) || pause.ContainsKey(item.Provider)) continue;
            var cost = estimate?.Invoke(item) ?? providers.Estimate(item.Provider, item.Request);
            if (budgeted.Contains(item.ManifestId)
                && Exceeds(manifestSpend, item.ManifestId, cost, item.BudgetCredits, item.BudgetUsd) is { } manifestReason)
            {
                hold[item.ManifestId] = $"held: manifest {item.ManifestName}'s budget {manifestReason}; raise it (batch-editor budget) and release, or cancel";
                continue;
            }
            if (dailyCaps.TryGetValue(item.Provider, out var caps)
                && Exceeds(providerSpend, item.Provider, cost, caps.DailyBudgetCredits, caps.DailyBudgetUsd) is { } providerReason)
            {
                pause[item.Provider] = $"daily budget {providerReason}; resumes at 00:00 UTC";
                continue;
            }
            Add(manifestSpend, item.ManifestId, cost);
            Add(providerSpend, item.Provider, cost);
            send.Add((item, cost));
        }
        return new(send, hold, pause, midnight);
    }

    /// <summary>
    /// After the claim commits: holds the Pending and Held-to-be items of manifests over budget, pauses providers whose
    /// daily budget is spent until the next UTC midnight, and pauses providers whose reported balance is below their floor.
    /// </summary>
    public async Task EnforceAsync(BudgetDecision decision, string worker, CancellationToken ct)
    {
        foreach (var (manifest, reason) in decision.HoldManifests)
            await pages.ForEachAsync(manifest, [ItemState.Pending], ids => transitions.Hold(ids, $"budget ({worker})", ct, reason), ct);
        foreach (var (provider, reason) in decision.PauseProviders)
            await pauses.PauseAsync(provider, $"budget ({worker})", reason, ct, resumeAt: decision.NextMidnight);
    }

    /// <summary>
    /// Called where a provider reports its balance (a submit's or a completed poll's cost): below the provider's
    /// <see cref="ProviderSettings.CreditsFloor"/>, the provider is paused cluster-wide until an operator resumes it.
    /// </summary>
    public async Task PauseIfBelowFloorAsync(string provider, ProviderSettings settings, CostReport? reported, string worker, CancellationToken ct)
    {
        if (settings.CreditsFloor is not { } floor || reported?.BalanceAfter is not { } balance || balance >= floor) return;
        await pauses.PauseAsync(provider, $"credits floor ({worker})",
            $"{provider} reports {Fmt(balance)} credits remaining, below the floor of {Fmt(floor)}; top the account up, then resume", ct);
    }

    /// <summary>Null when the estimate fits; else what would be exceeded, in words.</summary>
    private static string? Exceeds<TKey>(Dictionary<TKey, (decimal Credits, decimal Usd)> spend, TKey key, CostReport estimate, decimal? credits, decimal? usd)
        where TKey : notnull
    {
        var (spentCredits, spentUsd) = spend.GetValueOrDefault(key);
        if (credits is { } c && spentCredits + estimate.Credits > c)
            return $"of {Fmt(c)} credits would be exceeded ({Fmt(spentCredits)} spent or reserved, the next item {Fmt(estimate.Credits)})";
        if (usd is { } u && estimate.CostUsd is null)
            return $"of ${Fmt(u)} cannot be kept: the provider's estimate has no dollar figure";
        if (usd is { } d && spentUsd + estimate.CostUsd!.Value > d)
            return $"of ${Fmt(d)} would be exceeded (${Fmt(spentUsd)} spent or reserved, the next item ${Fmt(estimate.CostUsd.Value)})";
        return null;
    }

    private static void Add<TKey>(Dictionary<TKey, (decimal Credits, decimal Usd)> spend, TKey key, CostReport estimate) where TKey : notnull
    {
        if (!spend.TryGetValue(key, out var s)) return; // not budgeted
        spend[key] = (s.Credits + estimate.Credits, s.Usd + (estimate.CostUsd ?? 0));
    }

    private static string Fmt(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
