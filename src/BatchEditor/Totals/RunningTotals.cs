using BatchEditor.Items;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Totals;

/// <summary>Credits and dollars spent on a manifest (or everywhere): charges, adjustments and refunds netted.</summary>
/// <param name="CostUsd">Null when no entry carried a dollar figure.</param>
/// <param name="EstimatedCredits">The part of <paramref name="Credits"/> that is our estimate, not the provider's figure.</param>
/// <param name="RefundedCredits">Credits given back by refunds (a positive number).</param>
/// <param name="UnpricedCredits">The part of <paramref name="Credits"/> booked without a money figure (no price configured then).</param>
public sealed record Spend(decimal Credits, decimal? CostUsd, decimal EstimatedCredits, decimal RefundedCredits, bool AnyEstimated, decimal UnpricedCredits = 0)
{
    public static readonly Spend None = new(0, null, 0, 0, false);
}

/// <summary>
/// Items per state and money per manifest, day and provider, read from the running totals the database keeps
/// (<c>item_state_totals</c>, <c>usage_totals</c> and their unfolded deltas): constant time however large the manifest.
/// Every count the CLI, the dashboard, the API and the metrics show comes from here.
/// </summary>
public sealed class RunningTotals(NpgsqlDataSource dataSource)
{
    /// <summary>Items per state in each of <paramref name="manifestIds"/> (every manifest's, summed, under <see cref="Guid.Empty"/>, when null).</summary>
    public async Task<Dictionary<Guid, Dictionary<ItemState, long>>> CountsByManifestAsync(IReadOnlyCollection<Guid>? manifestIds, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            select case when $1::uuid[] is null then '00000000-0000-0000-0000-000000000000'::uuid else manifest_id end, state, sum(items)::bigint
            from (select manifest_id, state, items from item_state_totals where $1::uuid[] is null or manifest_id = any($1)
                  union all
                  select manifest_id, state, items from item_state_deltas where $1::uuid[] is null or manifest_id = any($1)) t
            group by 1, 2 having sum(items) <> 0
            """);
        cmd.Parameters.Add(Ids(manifestIds));
        var counts = new Dictionary<Guid, Dictionary<ItemState, long>>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var manifest = r.GetGuid(0);
            if (!counts.TryGetValue(manifest, out var byState)) counts[manifest] = byState = [];
            byState[Enum.Parse<ItemState>(r.GetString(1))] = r.GetInt64(2);
        }
        return counts;
    }

    /// <summary>Items per state in one manifest, or in all of them.</summary>
    public async Task<Dictionary<ItemState, long>> CountsAsync(Guid? manifestId, CancellationToken ct) =>
        (await CountsByManifestAsync(manifestId is { } id ? [id] : null, ct)).GetValueOrDefault(manifestId ?? Guid.Empty) ?? [];

    /// <summary>Money per manifest in <paramref name="manifestIds"/> (everything, under <see cref="Guid.Empty"/>, when null).</summary>
    public async Task<Dictionary<Guid, Spend>> SpendByManifestAsync(IReadOnlyCollection<Guid>? manifestIds, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            select case when $1::uuid[] is null then '00000000-0000-0000-0000-000000000000'::uuid else manifest_id end, {SpendColumns}
            from ({Usage("$1::uuid[] is null or manifest_id = any($1)")}) t
            group by 1
            """);
        cmd.Parameters.Add(Ids(manifestIds));
        var spend = new Dictionary<Guid, Spend>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) spend[r.GetGuid(0)] = ReadSpend(r, 1);
        return spend;
    }

    public async Task<Spend> SpendAsync(Guid? manifestId, CancellationToken ct) =>
        (await SpendByManifestAsync(manifestId is { } id ? [id] : null, ct)).GetValueOrDefault(manifestId ?? Guid.Empty) ?? Spend.None;

    /// <summary>Money per provider booked on <paramref name="since"/> (a UTC date) or later.</summary>
    public async Task<Dictionary<string, Spend>> SpendByProviderAsync(DateOnly since, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select provider, {SpendColumns} from ({Usage("day >= $1")}) t group by 1 order by 1");
        cmd.Parameters.AddWithValue(since);
        var spend = new Dictionary<string, Spend>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) spend[r.GetString(0)] = ReadSpend(r, 1);
        return spend;
    }

    /// <summary>Moves the deltas into the totals (see <see cref="TotalsFoldProcess"/>); a no-op while another process folds.</summary>
    public async Task FoldAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select fold_totals()");
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string Usage(string where) =>
        $"""
        select day, manifest_id, provider, kind, estimated, credits, cost_usd, unpriced_credits from usage_totals where {where}
        union all
        select day, manifest_id, provider, kind, estimated, credits, cost_usd, unpriced_credits from usage_deltas where {where}
        """;

    private const string SpendColumns =
        "coalesce(sum(credits), 0), sum(cost_usd), coalesce(sum(credits) filter (where estimated), 0), " +
        "coalesce(-sum(credits) filter (where kind = 'refund'), 0), coalesce(bool_or(estimated), false), coalesce(sum(unpriced_credits), 0)";

    private static Spend ReadSpend(NpgsqlDataReader r, int first) =>
        new(r.GetDecimal(first), r.IsDBNull(first + 1) ? null : r.GetDecimal(first + 1), r.GetDecimal(first + 2), r.GetDecimal(first + 3),
            r.GetBoolean(first + 4), r.GetDecimal(first + 5));

    private static NpgsqlParameter Ids(IReadOnlyCollection<Guid>? ids) =>
        new() { Value = ids is null ? DBNull.Value : ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid };
}
