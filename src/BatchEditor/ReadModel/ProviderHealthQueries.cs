using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

/// <param name="ErrorRate">Share of the submit attempts of the last 15 minutes that failed or were ambiguous.</param>
/// <param name="Waiting">Items due for a submit to this provider now (what its caps hold back), counted up to <see cref="ProviderHealthQueries.WaitingCounted"/> + 1.</param>
public sealed record ProviderHealth(string Provider, bool Configured, int MaxInFlight, int PerMinuteCap, long InFlight, long RequestsLastMinute,
    long AttemptsLast15Min, double ErrorRate, BreakerRecord? Breaker, PauseRecord? Pause, bool BreakerOpen, long Waiting = 0)
{
    /// <summary>
    /// What sets this provider's pace while items wait, and the setting that raises it (within what the provider's plan
    /// allows); null when nothing waits or no cap is reached.
    /// </summary>
    /// <summary>"120", or "10,000+" past what is counted.</summary>
    public string WaitingText => Waiting > ProviderHealthQueries.WaitingCounted ? $"{ProviderHealthQueries.WaitingCounted:N0}+" : Waiting.ToString("N0");

    public string? Bottleneck => Waiting == 0 || !Configured ? null
        : BreakerOpen ? "its circuit breaker is open: no submits until it closes"
        : Pause is not null ? "it is paused: resume it to submit"
        : RequestsLastMinute >= PerMinuteCap ? $"its request rate ({PerMinuteCap}/min) is the bottleneck for {WaitingText} waiting item(s): raise {ProviderRegistry.SettingVariable(Provider, "RequestsPerMinute")} if your plan allows"
        : InFlight >= MaxInFlight ? $"its concurrency ({MaxInFlight} jobs at once) is the bottleneck for {WaitingText} waiting item(s): raise {ProviderRegistry.SettingVariable(Provider, "MaxConcurrency")} if your plan allows"
        : null;
}

/// <summary>The providers page: each provider's load against its caps, its recent errors, its breaker and whether it is paused.</summary>
public sealed class ProviderHealthQueries(BatchEditorDb db, ProviderRegistry providers, TimeProvider clock)
{
    private static readonly string[] Failures = ["retryable", "rejected", "ambiguous", "lost", "completed-empty"];

    /// <summary>Waiting items are counted up to this many per provider: a million waiting items are not counted on every view.</summary>
    public const int WaitingCounted = 10_000;

    /// <summary>Every provider's circuit breaker as last recorded, by provider.</summary>
    public Task<List<BreakerRecord>> BreakersAsync(CancellationToken ct) => db.Breakers.OrderBy(b => b.Provider).ToListAsync(ct);

    public async Task<List<ProviderHealth>> AllAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var minuteAgo = now.AddMinutes(-1);
        var window = now.AddMinutes(-15);
        var inFlight = await db.Items.Where(i => i.State == ItemState.Submitting || i.State == ItemState.Running)
            .GroupBy(i => i.Provider).Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var attempts = await db.Attempts.Where(a => a.ClaimedAt > window)
            .GroupBy(a => a.Provider)
            .Select(g => new
            {
                g.Key,
                LastMinute = g.LongCount(a => a.ClaimedAt > minuteAgo),
                Finished = g.LongCount(a => a.Outcome != null),
                Failed = g.LongCount(a => Failures.Contains(a.Outcome!)),
            })
            .ToDictionaryAsync(g => g.Key, ct);
        // Per provider, through items_pending_claim, and no further than one past what is shown.
        var waiting = new Dictionary<string, long>();
        foreach (var name in providers.Configured.Select(p => p.Name).Concat(inFlight.Keys).Distinct())
            waiting[name] = await db.Items.Where(i => i.Provider == name && i.State == ItemState.Pending && i.NextRunAt <= now)
                .Take(WaitingCounted + 1).LongCountAsync(ct);
        var breakers = await db.Breakers.ToDictionaryAsync(b => b.Provider, ct);
        var pauses = await db.Pauses.ToDictionaryAsync(p => p.Provider, ct);

        var configured = providers.Configured.ToDictionary(p => p.Name, p => p.Settings);
        var names = configured.Keys.Concat(inFlight.Keys).Concat(attempts.Keys).Concat(pauses.Keys).Distinct().Order();
        return names.Select(name =>
        {
            configured.TryGetValue(name, out var p);
            attempts.TryGetValue(name, out var a);
            var breaker = breakers.GetValueOrDefault(name);
            return new ProviderHealth(name, p is not null, p?.MaxConcurrency ?? 0, p?.RequestsPerMinute ?? 0,
                inFlight.GetValueOrDefault(name), a?.LastMinute ?? 0, a?.Finished ?? 0, a is { Finished: > 0 } ? (double)a.Failed / a.Finished : 0,
                breaker, pauses.GetValueOrDefault(name), breaker?.OpenUntil > now, waiting.GetValueOrDefault(name));
        }).ToList();
    }
}
