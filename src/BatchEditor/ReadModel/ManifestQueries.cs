using BatchEditor.Items;
using Npgsql;

namespace BatchEditor.ReadModel;

/// <summary>Read-side queries behind <c>status</c> and <c>results</c> (counts and money come from <see cref="Totals.RunningTotals"/>).</summary>
public sealed class ManifestQueries(NpgsqlDataSource dataSource)
{
    public sealed record ManifestInfo(Guid Id, string Name, string SourceFile, int ItemCount, DateTimeOffset CreatedAt);

    public sealed record ResultRow(string RowId, string State, string Reason, string Provider, string? JobId,
        string[] Locations, decimal Credits, decimal? CostUsd, bool CostEstimated)
    {
        /// <summary>With a route: why the item moved to <see cref="Provider"/> ("from pixeldojo: circuit breaker open").</summary>
        public string? Routed { get; init; }

        /// <summary>An unchanged row of an incremental run: the manifest whose item's outputs it reuses.</summary>
        public string? ReusedFrom { get; init; }
    }

    public sealed record ReasonCount(ItemState State, string Reason, long Items);

    /// <summary>The commonest reasons of a manifest's items in <paramref name="states"/>, at most <paramref name="perState"/> per state.</summary>
    public async Task<List<ReasonCount>> TopReasonsAsync(Guid manifestId, IReadOnlyCollection<ItemState> states, int perState, CancellationToken ct)
    {
        if (states.Count == 0) return [];
        await using var cmd = dataSource.CreateCommand(
            """
            select state, reason, n from (
                select state, reason, count(*) n, row_number() over (partition by state order by count(*) desc, reason) rank
                from items where manifest_id = $1 and state = any($2) group by state, reason) t
            where rank <= $3 order by state, n desc, reason
            """);
        cmd.Parameters.AddWithValue(manifestId);
        cmd.Parameters.AddWithValue(ItemStates.Names([.. states]));
        cmd.Parameters.AddWithValue(perState);
        var reasons = new List<ReasonCount>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) reasons.Add(new(Enum.Parse<ItemState>(r.GetString(0)), r.GetString(1), r.GetInt64(2)));
        return reasons;
    }

    /// <summary>A manifest by its name or its id (with or without dashes, as its output folder is named).</summary>
    public async Task<ManifestInfo?> FindAsync(string idOrName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select id, name, source_file, item_count, created_at from manifests where name = $1 or id = $2 order by name = $1 desc limit 1");
        cmd.Parameters.AddWithValue(idOrName);
        cmd.Parameters.Add(new NpgsqlParameter { Value = Guid.TryParse(idOrName, out var id) ? id : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return (await ReadManifests(cmd, ct)).FirstOrDefault();
    }

    public async Task<List<ManifestInfo>> RecentAsync(int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select id, name, source_file, item_count, created_at from manifests order by created_at desc limit $1");
        cmd.Parameters.AddWithValue(limit);
        return await ReadManifests(cmd, ct);
    }

    /// <summary>
    /// Items due for a step now (submit, poll or copy). It counts every due row (a million waiting items are a million
    /// index entries), which is why <see cref="Telemetry.QueueGauges"/> reuses its snapshot for a few seconds.
    /// </summary>
    public async Task<long> DueCountAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"select count(*) from items where state in ({StateSql.Pending}, {StateSql.Running}, {StateSql.Copying}) and next_run_at <= now()");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <param name="cause">Only the items of this failure cause (<see cref="FailureCauses"/>): a failure group's export.</param>
    public async IAsyncEnumerable<ResultRow> ResultsAsync(Guid manifestId, string? cause, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var ofCause = cause is null ? "" : $" and i.state = any(@failed) and {FailureCauses.CauseOf("i")} = @cause";
        await using var cmd = dataSource.CreateCommand(
            $"""
            select i.row_id, i.state, i.reason, i.provider, i.provider_job_id,
                   coalesce((select array_agg(o.location order by o.ordinal) from outputs o where o.item_id = i.id and o.state = {OutputStateSql.Stored}), array[]::text[]),
                   coalesce(l.credits, 0), l.usd, coalesce(l.estimated, false), i.routed,
                   (select m.name from items s join manifests m on m.id = s.manifest_id where s.id = i.reused_from) as reused_from
            from items i
            left join lateral (select sum(credits) credits, sum(cost_usd) usd, bool_or(estimated) estimated
                               from usage_ledger where item_id = i.id) l on true
            where i.manifest_id = @manifest{ofCause}
            order by i.line
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
        if (cause is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter<string>("cause", cause));
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("failed", ItemStates.Names(FailureCauses.States)));
            foreach (var p in FailureCauses.Parameters()) cmd.Parameters.Add(p);
        }
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            yield return new ResultRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetFieldValue<string[]>(5), r.GetDecimal(6), r.IsDBNull(7) ? null : r.GetDecimal(7), r.GetBoolean(8))
            {
                Routed = r.IsDBNull(9) ? null : r.GetString(9),
                ReusedFrom = r.IsDBNull(10) ? null : r.GetString(10),
            };
    }

    private static async Task<List<ManifestInfo>> ReadManifests(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<ManifestInfo>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new ManifestInfo(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetFieldValue<DateTimeOffset>(4)));
        return list;
    }
}
