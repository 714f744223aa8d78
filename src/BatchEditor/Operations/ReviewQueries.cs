using System.Text.Json;
using BatchEditor.Items;
using Npgsql;

namespace BatchEditor.Operations;

/// <summary>Read side of operator work: items by id or manifest and state, and an item's submit attempts.</summary>
public sealed class ReviewQueries(NpgsqlDataSource dataSource)
{
    public sealed record ItemInfo(long Id, Guid ManifestId, string Manifest, string RowId, ItemState State, string Provider, string Model,
        int Run, string Reason, DateTimeOffset UpdatedAt);

    /// <param name="Settlement">How an attempt that may have been billed was settled (answered, adopted, released, kept);
    /// null while it is open (<see cref="Unsettled"/>).</param>
    public sealed record Attempt(long Id, int Run, string Worker, DateTimeOffset ClaimedAt, DateTimeOffset? SentAt, string? Outcome, int? HttpStatus,
        string? JobId, string? Detail, LateResult? Late, string? Settlement)
    {
        public bool Unsettled => SentAt is not null && Settlement is null;
    }

    private const string ItemColumns =
        "i.id, i.manifest_id, m.name, i.row_id, i.state, i.provider, i.model, i.run, i.reason, i.updated_at from items i join manifests m on m.id = i.manifest_id";

    public async Task<ItemInfo?> ItemAsync(long id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select {ItemColumns} where i.id = $1");
        cmd.Parameters.AddWithValue(id);
        return (await ReadItems(cmd, ct)).FirstOrDefault();
    }

    /// <summary>Items in <paramref name="state"/>, optionally of one manifest, oldest change first.</summary>
    public async Task<List<ItemInfo>> InStateAsync(ItemState state, Guid? manifestId, int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"select {ItemColumns} where i.state = $1 and ($2::uuid is null or i.manifest_id = $2) order by i.updated_at, i.id limit $3");
        cmd.Parameters.AddWithValue(state.ToString());
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)manifestId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.AddWithValue(limit);
        return await ReadItems(cmd, ct);
    }

    /// <summary>
    /// What a person must look at, oldest change first: items in NeedsReview, and items with a submit that may have been
    /// billed and is not settled (cancelled while the request was out, or answered after they moved on). A submit in
    /// flight right now is not listed.
    /// </summary>
    public async Task<List<ItemInfo>> NeedingReviewAsync(Guid? manifestId, int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            with candidates as (
                select id from items where state = {StateSql.NeedsReview} and ($1::uuid is null or manifest_id = $1)
                union
                select a.item_id from provider_attempts a join items x on x.id = a.item_id
                where a.sent_at is not null and a.settled_at is null and not (x.state = {StateSql.Submitting} and a.run = x.run)
                  and ($1::uuid is null or x.manifest_id = $1))
            select {ItemColumns} where i.id in (select id from candidates) order by i.updated_at, i.id limit $2
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)manifestId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.AddWithValue(limit);
        return await ReadItems(cmd, ct);
    }

    /// <summary>How many of <paramref name="ids"/> are in <paramref name="states"/> with a submit that is not settled.</summary>
    public async Task<int> CountUnsettledAsync(long[] ids, ItemState[] states, CancellationToken ct)
    {
        if (ids.Length == 0) return 0;
        await using var cmd = dataSource.CreateCommand(
            """
            select count(*)::int from items i where i.id = any($1) and i.state = any($2)
              and exists (select 1 from provider_attempts a where a.item_id = i.id and a.sent_at is not null and a.settled_at is null)
            """);
        cmd.Parameters.AddWithValue(ids);
        cmd.Parameters.AddWithValue(ItemStates.Names(states));
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task<List<Attempt>> AttemptsAsync(long itemId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            select id, run, worker, claimed_at, sent_at, outcome, http_status, provider_job_id, detail, late_result::text,
                   case when sent_at is null then 'not sent' else settlement end
            from provider_attempts where item_id = $1 order by id
            """);
        cmd.Parameters.AddWithValue(itemId);
        var attempts = new List<Attempt>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            attempts.Add(new(r.GetInt64(0), r.GetInt32(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetString(5),
                r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : JsonSerializer.Deserialize<LateResult>(r.GetString(9), LateResult.Json), r.IsDBNull(10) ? null : r.GetString(10)));
        return attempts;
    }

    private static async Task<List<ItemInfo>> ReadItems(NpgsqlCommand cmd, CancellationToken ct)
    {
        var items = new List<ItemInfo>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            items.Add(new(r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), Enum.Parse<ItemState>(r.GetString(4)), r.GetString(5),
                r.GetString(6), r.GetInt32(7), r.GetString(8), r.GetFieldValue<DateTimeOffset>(9)));
        return items;
    }
}
