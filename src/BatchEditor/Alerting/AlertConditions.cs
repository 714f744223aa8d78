using BatchEditor.Items;
using BatchEditor.Scheduling;
using BatchEditor.Totals;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Alerting;

/// <summary>A rule that holds now for a subject (a manifest, a provider, a schedule, the cluster), in words.</summary>
public sealed record AlertCondition(string Rule, string Subject, string Detail);

/// <summary>The rules' names, as alerts and digests carry them.</summary>
public static class AlertRules
{
    public const string FailureShare = "failure-share";
    public const string Review = "review";
    public const string Breaker = "breaker";
    public const string Spend = "spend";
    public const string Expiry = "expiry";
    public const string Schedule = "schedule";

    public static readonly string[] All = [FailureShare, Review, Breaker, Spend, Expiry, Schedule];
}

/// <summary>
/// Evaluates every rule against the database now: read-only statements over the running totals, the breakers, the items
/// in flight and the schedules, each cheap at any queue size (totals and partial indexes, not item scans).
/// </summary>
public sealed class AlertConditions(NpgsqlDataSource dataSource, RunningTotals totals, ScheduleStore schedules, IOptions<AlertOptions> options, TimeProvider clock)
{
    public async Task<List<AlertCondition>> EvaluateAsync(CancellationToken ct)
    {
        var o = options.Value;
        var found = new List<AlertCondition>();
        found.AddRange(await FailureSharesAsync(o, ct));
        found.AddRange(await ReviewAsync(o, ct));
        found.AddRange(await BreakersAsync(o, ct));
        found.AddRange(await SpendAsync(o, ct));
        found.AddRange(await ExpiringAsync(o, ct));
        found.AddRange(await SchedulesAsync(o, ct));
        return found;
    }

    // Per manifest still running, from the running totals (folded and not).
    private const string FailureShares =
        $"""
        with counts as (
            select manifest_id, state, sum(items) as n
            from (select manifest_id, state, items from item_state_totals union all select manifest_id, state, items from item_state_deltas) t
            group by manifest_id, state),
        shares as (
            select c.manifest_id,
                   coalesce(sum(n) filter (where state in ({StateSql.Failed}, {StateSql.Expired})), 0) as failed,
                   coalesce(sum(n) filter (where state in ({StateSql.Succeeded}, {StateSql.Failed}, {StateSql.Expired})), 0) as finished,
                   coalesce(sum(n) filter (where state not in ({StateSql.Succeeded}, {StateSql.Failed}, {StateSql.Expired}, {StateSql.Cancelled})), 0) as active
            from counts c group by c.manifest_id)
        select m.name, s.failed, s.finished from shares s join manifests m on m.id = s.manifest_id
        where s.active > 0 and s.finished >= @min and s.failed > @share * s.finished
        order by m.name
        """;

    private async Task<IEnumerable<AlertCondition>> FailureSharesAsync(AlertOptions o, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(FailureShares);
        cmd.Parameters.Add(new NpgsqlParameter<int>("min", o.FailureMinItems));
        cmd.Parameters.Add(new NpgsqlParameter<double>("share", o.FailureShare));
        var found = new List<AlertCondition>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var (failed, finished) = (r.GetFieldValue<decimal>(1), r.GetFieldValue<decimal>(2));
            found.Add(new(AlertRules.FailureShare, $"manifest {r.GetString(0)}",
                $"{failed:0} of {finished:0} finished items failed or expired ({failed / finished:P0}, over {o.FailureShare:P0}); `batch-editor failures {r.GetString(0)}` groups them by cause"));
        }
        return found;
    }

    private async Task<IEnumerable<AlertCondition>> ReviewAsync(AlertOptions o, CancellationToken ct)
    {
        var waiting = (await totals.CountsByManifestAsync(null, ct)).Values.Sum(c => c.GetValueOrDefault(ItemState.NeedsReview));
        return waiting >= o.ReviewItems
            ? [new(AlertRules.Review, "items in review", $"{waiting} item(s) may have been billed and wait for a person: `batch-editor review`")]
            : [];
    }

    private const string OpenBreakers =
        "select provider, opened_at, last_failure from provider_breakers where open_until > now() and opened_at < now() - @open_for order by provider";

    private async Task<IEnumerable<AlertCondition>> BreakersAsync(AlertOptions o, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(OpenBreakers);
        cmd.Parameters.Add(new NpgsqlParameter<TimeSpan>("open_for", o.BreakerOpenFor));
        var found = new List<AlertCondition>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            found.Add(new(AlertRules.Breaker, $"provider {r.GetString(0)}",
                $"circuit breaker open since {r.GetFieldValue<DateTimeOffset>(1):u}" + (r.IsDBNull(2) ? "" : $" (last failure: {r.GetString(2)})") + "; nothing new is sent to it"));
        return found;
    }

    private async Task<IEnumerable<AlertCondition>> SpendAsync(AlertOptions o, CancellationToken ct)
    {
        if (o.SpendTodayUsd is null && o.SpendTodayCredits is null) return [];
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var spent = (await totals.SpendByProviderAsync(today, ct)).Values.ToList();
        var (credits, usd) = (spent.Sum(s => s.Credits), spent.Sum(s => s.CostUsd ?? 0));
        var over = (o.SpendTodayUsd is { } maxUsd && usd > maxUsd) || (o.SpendTodayCredits is { } maxCredits && credits > maxCredits);
        return over
            ? [new(AlertRules.Spend, $"spend on {today:yyyy-MM-dd}", $"spent today (UTC): {credits:0.##} credits and ${usd:0.00}, over the alert's " +
                string.Join(" / ", new[] { o.SpendTodayCredits is { } c ? $"{c:0.##} credits" : null, o.SpendTodayUsd is { } u ? $"${u:0.00}" : null }.OfType<string>()))]
            : [];
    }

    // Paid outputs not yet stored (Running: when they come; Copying: being copied), by manifest; items_expiring.
    private const string Expiring =
        $"""
        select m.name, count(*), min(i.outputs_expire_at) from items i join manifests m on m.id = i.manifest_id
        where i.state in ({StateSql.Running}, {StateSql.Copying}) and i.outputs_expire_at < now() + @within
        group by m.name order by m.name
        """;

    private async Task<IEnumerable<AlertCondition>> ExpiringAsync(AlertOptions o, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Expiring);
        cmd.Parameters.Add(new NpgsqlParameter<TimeSpan>("within", o.ExpiryWithin));
        var found = new List<AlertCondition>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            found.Add(new(AlertRules.Expiry, $"manifest {r.GetString(0)}",
                $"{r.GetInt64(1)} item(s) have paid outputs not yet stored that expire by {r.GetFieldValue<DateTimeOffset>(2):u} (is a worker running, is the store reachable?)"));
        return found;
    }

    private async Task<IEnumerable<AlertCondition>> SchedulesAsync(AlertOptions o, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var found = new List<AlertCondition>();
        foreach (var stored in await schedules.ListAsync(ct))
        {
            if (stored.PausedAt is not null || !TimeZoneInfo.TryFindSystemTimeZoneById(stored.Schedule.TimeZone, out var zone)) continue;
            string cron;
            try { cron = Crontab.Normalize(stored.Schedule.Cron); }
            catch (FormatException) { continue; } // `schedule list` says what is wrong with it
            var since = stored.LastRunAt ?? stored.CreatedAt;
            if (Crontab.Next(cron, zone, since) is { } due && due + o.ScheduleGrace < now)
                found.Add(new(AlertRules.Schedule, $"schedule {stored.Schedule.Name}",
                    $"was due at {due:u} and has not fired (last fire: {(stored.LastRunAt is { } last ? $"{last:u}" : "never")}); is a worker running?"));
        }
        return found;
    }
}
