using BatchEditor.Budgets;
using BatchEditor.Items;
using BatchEditor.Providers;

namespace BatchEditor.Engine;

/// <summary>
/// Claims due work for this worker: follow-ups (polls, copies) first, then Pending items within every provider's free
/// slots and every budget. The statements are the queue's (<see cref="ItemClaims"/>, <see cref="SubmitClaimScope"/>);
/// this decides what goes in them: the providers configured here, what their breakers allow, what budgets let through,
/// and what must be held or paused afterwards.
/// </summary>
public sealed class ItemClaimer(ItemClaims claims, ProviderRegistry providers, BudgetGuard budgets)
{
    /// <summary>Running items due a poll and Copying items due a copy; earliest output expiry first.</summary>
    public Task<List<ClaimedItem>> ClaimFollowUpsAsync(string owner, int max, TimeSpan lease, CancellationToken ct) =>
        claims.ClaimFollowUpsAsync(owner, max, lease, ct);

    /// <summary>When the next poll or copy falls due (null: none is waiting).</summary>
    public Task<TimeSpan?> NextFollowUpAsync(CancellationToken ct) => claims.NextFollowUpAsync(ct);

    /// <summary>An item as a claim would return it, without claiming it (to replay a spilled answer against it).</summary>
    public Task<ClaimedItem?> FindAsync(long id, CancellationToken ct) => claims.FindAsync(id, ct);

    /// <summary>
    /// Pending items to submit, within every provider's free slots and every budget (<see cref="BudgetGuard"/>); each is
    /// moved to Submitting with its reserved estimate, its attempt and its history row.
    /// </summary>
    public async Task<List<ClaimedItem>> ClaimSubmissionsAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        var configured = providers.Configured.ToList();
        if (configured.Count == 0 || max <= 0) return [];

        BudgetDecision decision;
        List<ClaimedItem> items;
        await using (var claim = await claims.BeginSubmitClaimAsync(ct))
        {
            var slots = await SlotsAsync(claim, configured, ct);
            var candidates = await claim.PickAsync(slots, max, ct);
            decision = await budgets.DecideAsync(claim, candidates, ct);
            items = await claim.ClaimAsync(decision.Send, owner, lease, ct);
            await claim.CommitAsync(ct);
        }
        await budgets.EnforceAsync(decision, owner, ct);
        return items;
    }

    /// <summary>The plans of both claims as they would run now (rolled back); see <see cref="ItemClaims.ExplainAsync"/>.</summary>
    internal Task<(string FollowUps, string Submissions)> ExplainAsync(int max, CancellationToken ct) =>
        claims.ExplainAsync(providers.Configured.Select(p => Slots(p.Name, p.Settings, int.MaxValue)).ToList(), max, ct);

    private static async Task<List<ProviderSlots>> SlotsAsync(SubmitClaimScope claim, List<(string Name, ProviderSettings Settings)> configured, CancellationToken ct)
    {
        var (conn, tx) = claim.Inside;
        var breakers = await ProviderBreaker.LimitsAsync(conn, tx, configured, ct);
        // An open breaker allows nothing; one whose cool-down is over, a single probe.
        return configured.Select(p => Slots(p.Name, p.Settings, breakers.GetValueOrDefault(p.Name, int.MaxValue))).ToList();
    }

    private static ProviderSlots Slots(string name, ProviderSettings settings, int breakerAllows) =>
        new(name, settings.MaxConcurrency, settings.RequestsPerMinute, breakerAllows);
}
