using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// The claim statements of the queue, by name. A claim takes due items with <c>FOR UPDATE SKIP LOCKED</c> and gives each
/// a fresh lease token, which all of the holder's later writes are guarded on. Follow-ups (polls, copies) only take a
/// lease; the Pending → Submitting claim is a state change and goes through <see cref="TransitionApplier"/> like every
/// other, inside a <see cref="SubmitClaimScope"/>.
/// </summary>
public sealed class ItemClaims(NpgsqlDataSource dataSource, TransitionApplier applier)
{
    /// <summary>Running items due a poll and Copying items due a copy; earliest output expiry first.</summary>
    public async Task<List<ClaimedItem>> ClaimFollowUpsAsync(string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        if (max <= 0) return [];
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = FollowUps(conn, owner, max, lease);
        return await ReadAllAsync(cmd, ct);
    }

    private const string ClaimFollowUps =
        $"""
        with due as (
            select id from items
            where state in ({StateSql.Running}, {StateSql.Copying}) and next_run_at <= now()
              and (lease_expires_at is null or lease_expires_at < now())
            order by outputs_expire_at nulls last, next_run_at
            limit @max
            for update skip locked)
        update items i set lease_owner = @owner, lease_token = gen_random_uuid(), lease_expires_at = now() + @lease, updated_at = now()
        from due where i.id = due.id
        returning {ClaimedItem.Columns}
        """;

    private static NpgsqlCommand FollowUps(NpgsqlConnection conn, string owner, int max, TimeSpan lease) =>
        new(ClaimFollowUps, conn)
        {
            Parameters =
            {
                new NpgsqlParameter<int>("max", max),
                new NpgsqlParameter<string>("owner", owner),
                new NpgsqlParameter<TimeSpan>("lease", lease),
            },
        };

    private const string NextFollowUp =
        $"""
        select min(next_run_at) - clock_timestamp() from items
        where state in ({StateSql.Running}, {StateSql.Copying}) and (lease_expires_at is null or lease_expires_at < now())
        """;

    /// <summary>When the next poll or copy falls due (null: none is waiting), so that an idle worker wakes right then.</summary>
    /// <remarks>How long until then, by the database's clock (this machine's may be off).</remarks>
    public async Task<TimeSpan?> NextFollowUpAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(NextFollowUp);
        return await cmd.ExecuteScalarAsync(ct) is TimeSpan until ? until : null;
    }

    private const string FindClaimed = $"select {ClaimedItem.Columns} from items i where i.id = @id";

    /// <summary>An item as a claim would return it, without claiming it (to replay a spilled answer against it).</summary>
    public async Task<ClaimedItem?> FindAsync(long id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(FindClaimed);
        cmd.Parameters.Add(new NpgsqlParameter<long>("id", id));
        return (await ReadAllAsync(cmd, ct)).FirstOrDefault();
    }

    private const string LapsedSubmits =
        $"""
        select {ClaimedItem.Columns}, i.lease_owner as lapsed_owner, i.submit_sent_at is not null as sent,
               (select max(a.id) from provider_attempts a where a.item_id = i.id) as attempt_id
        from items i
        where i.state = {StateSql.Submitting} and i.lease_expires_at < now()
        limit @max
        """;

    /// <summary>Submitting items whose lease lapsed: each with the worker that held it and whether its submit was marked as sent.</summary>
    public async Task<List<(ClaimedItem Item, string Owner, bool Sent)>> LapsedSubmitsAsync(int max, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(LapsedSubmits);
        cmd.Parameters.Add(new NpgsqlParameter<int>("max", max));
        var lapsed = new List<(ClaimedItem, string, bool)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var r = new RowReader(reader);
            lapsed.Add((ClaimedItem.Read(reader), r.Text("lapsed_owner") ?? "?", r.Get<bool>("sent")));
        }
        return lapsed;
    }

    /// <summary>Opens the transaction a submission claim runs in, under the cluster-wide claim lock.</summary>
    public async Task<SubmitClaimScope> BeginSubmitClaimAsync(CancellationToken ct) => await SubmitClaimScope.BeginAsync(dataSource, applier, ct);

    /// <summary>
    /// EXPLAIN (ANALYZE, BUFFERS) of the two claims as they would run now, rolled back: how the large-manifest test shows
    /// that a claim reads a few index pages however many items wait.
    /// </summary>
    public async Task<(string FollowUps, string Submissions)> ExplainAsync(IReadOnlyList<ProviderSlots> slots, int max, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var followUps = FollowUps(conn, "explain", max, TimeSpan.FromMinutes(1));
        await using var pick = SubmitClaimScope.Pick(conn, tx, slots, max);
        var plans = (await ExplainAsync(followUps, tx, ct), await ExplainAsync(pick, tx, ct));
        await tx.RollbackAsync(ct);
        return plans;
    }

    private static async Task<string> ExplainAsync(NpgsqlCommand cmd, NpgsqlTransaction tx, CancellationToken ct)
    {
        cmd.Transaction = tx;
        cmd.CommandText = "explain (analyze, buffers, format json) " + cmd.CommandText;
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    internal static async Task<List<ClaimedItem>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var items = new List<ClaimedItem>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(ClaimedItem.Read(reader));
        return items;
    }
}
