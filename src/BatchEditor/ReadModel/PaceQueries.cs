using BatchEditor.Items;
using Npgsql;

namespace BatchEditor.ReadModel;

/// <summary>How fast providers have been: what a quote's finish time rests on.</summary>
public sealed class PaceQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Fewer recent jobs than this and nothing counts as learned: the quote uses the documented default.</summary>
    public const int MinimumSamples = 5;

    // Per provider, its last 50 jobs found done (→ Copying) within a week, among the most recent 200,000 history rows
    // (a bound on what one quote reads): the time from the submit's claim to the job found done, which is how long the
    // job held one of the provider's in-flight slots.
    private const string RecentJobTimes =
        $"""
        select p.provider, count(s.secs)::int as samples, percentile_cont(0.5) within group (order by s.secs) as median
        from unnest(@providers) as p(provider)
        cross join lateral (
            select extract(epoch from h.at - a.claimed_at)::float8 as secs
            from item_history h
            join items i on i.id = h.item_id
            cross join lateral (select claimed_at from provider_attempts where item_id = i.id and claimed_at <= h.at order by id desc limit 1) a
            where h.id > (select coalesce(max(id), 0) - 200000 from item_history)
              and h.to_state = {StateSql.Copying} and h.from_state in ({StateSql.Running}, {StateSql.Submitting})
              and i.provider = p.provider and h.at > now() - interval '7 days'
            order by h.id desc
            limit 50) s
        group by p.provider
        """;

    /// <summary>The median job time of each provider that has at least <see cref="MinimumSamples"/> recent jobs, and how many.</summary>
    public async Task<Dictionary<string, (TimeSpan JobTime, int Samples)>> JobTimesAsync(IReadOnlyList<string> providers, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(RecentJobTimes);
        cmd.Parameters.Add(new NpgsqlParameter<string[]>("providers", [.. providers]));
        var learned = new Dictionary<string, (TimeSpan, int)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            if (r.GetInt32(1) >= MinimumSamples) learned[r.GetString(0)] = (TimeSpan.FromSeconds(r.GetDouble(2)), r.GetInt32(1));
        return learned;
    }
}
