using System.Text.Json;
using Npgsql;

namespace BatchEditor.Alerting;

/// <summary>One alert in a digest: fired (new), still firing (a reminder), or resolved.</summary>
public sealed record DigestEntry(string Rule, string Subject, string State, string Detail, DateTimeOffset FiredAt, DateTimeOffset? ResolvedAt);

/// <summary>An episode of a rule for a subject, as the dashboard lists them.</summary>
public sealed record AlertRecord(long Id, string Rule, string Subject, string Detail, DateTimeOffset FiredAt, DateTimeOffset? ResolvedAt, DateTimeOffset? NotifiedAt);

/// <summary>A digest as sent, with how each channel took it.</summary>
public sealed record DigestRecord(long Id, DateTimeOffset CreatedAt, int Entries, string? Webhook, string? Slack, string? Detail);

/// <summary>
/// The <c>alerts</c> and <c>alert_digests</c> tables. <see cref="ReconcileAsync"/> is one transaction under an advisory
/// lock, so workers evaluating at once agree: it opens an episode for each new condition, resolves those whose condition
/// cleared, and writes a digest of what is due — each rule at most once per interval while it fires (all its open
/// episodes, new or still firing), and each resolution once.
/// </summary>
public sealed class AlertStore(NpgsqlDataSource dataSource)
{
    private const long ReconcileLockKey = 0x42_45_41_6C_65_72_74; // "BEAlert"
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Lock = "select pg_advisory_xact_lock(@key)";

    private const string Open =
        """
        insert into alerts (rule, subject, detail)
        select * from unnest(@rules::text[], @subjects::text[], @details::text[])
        on conflict (rule, subject) where resolved_at is null do update set detail = excluded.detail
        """;

    private const string Resolve =
        """
        update alerts set resolved_at = now()
        where resolved_at is null and (rule, subject) not in (select * from unnest(@rules::text[], @subjects::text[]))
        """;

    // Resolutions of episodes that were notified; an episode resolved before it was ever sent goes unsaid.
    private const string Resolved =
        """
        update alerts set resolve_notified_at = now()
        where resolved_at is not null and resolve_notified_at is null
        returning rule, subject, detail, fired_at, resolved_at, notified_at is not null as was_sent
        """;

    private const string InsertDigest =
        "insert into alert_digests (body, webhook, slack) values (@body::jsonb, @webhook, @slack) returning id";

    /// <summary>Records the conditions found now; returns the digest that is due (its id and entries), or null.</summary>
    public async Task<(long Id, List<DigestEntry> Entries)?> ReconcileAsync(IReadOnlyList<AlertCondition> conditions, TimeSpan interval,
        bool webhook, bool slack, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await Exec(Lock, new NpgsqlParameter<long>("key", ReconcileLockKey));
        var rules = conditions.Select(c => c.Rule).ToArray();
        var subjects = conditions.Select(c => c.Subject).ToArray();
        await Exec(Open, new NpgsqlParameter<string[]>("rules", rules), new NpgsqlParameter<string[]>("subjects", subjects),
            new NpgsqlParameter<string[]>("details", [.. conditions.Select(c => c.Detail)]));
        await Exec(Resolve, new NpgsqlParameter<string[]>("rules", rules), new NpgsqlParameter<string[]>("subjects", subjects));

        var entries = new List<DigestEntry>();
        await using (var due = new NpgsqlCommand(DueFiring, conn, tx) { Parameters = { new NpgsqlParameter<TimeSpan>("interval", interval) } })
        await using (var r = await due.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                entries.Add(new(r.GetString(0), r.GetString(1), r.GetBoolean(4) ? "still firing" : "firing", r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), null));
        await using (var resolved = new NpgsqlCommand(Resolved, conn, tx))
        await using (var r = await resolved.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                if (r.GetBoolean(5))
                    entries.Add(new(r.GetString(0), r.GetString(1), "resolved", r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetFieldValue<DateTimeOffset>(4)));
        if (entries.Count == 0)
        {
            await tx.CommitAsync(ct);
            return null;
        }
        entries.Sort((a, b) => (Array.IndexOf(AlertRules.All, a.Rule), a.State == "resolved", a.Subject).CompareTo((Array.IndexOf(AlertRules.All, b.Rule), b.State == "resolved", b.Subject)));
        long id;
        await using (var insert = new NpgsqlCommand(InsertDigest, conn, tx)
        {
            Parameters =
            {
                new NpgsqlParameter<string>("body", JsonSerializer.Serialize(entries, Json)),
                new NpgsqlParameter("webhook", NpgsqlTypes.NpgsqlDbType.Text) { Value = webhook ? "waiting" : DBNull.Value },
                new NpgsqlParameter("slack", NpgsqlTypes.NpgsqlDbType.Text) { Value = slack ? "waiting" : DBNull.Value },
            },
        })
            id = (long)(await insert.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return (id, entries);

        async Task Exec(string sql, params NpgsqlParameter[] parameters)
        {
            await using var cmd = new NpgsqlCommand(sql, conn, tx);
            cmd.Parameters.AddRange(parameters);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    // The open episodes of each rule due a notification (none sent for the rule within the interval); marks them sent.
    private const string DueFiring =
        """
        with due as (
            select rule from alerts where resolved_at is null group by rule
            having coalesce((select max(s.notified_at) from alerts s where s.rule = alerts.rule), '-infinity') < now() - @interval),
        before as (select id, notified_at from alerts where resolved_at is null and rule in (select rule from due) for update)
        update alerts a set notified_at = now()
        from before b where a.id = b.id
        returning a.rule, a.subject, a.detail, a.fired_at, b.notified_at is not null as sent_before
        """;

    public async Task<List<DigestEntry>> DigestAsync(long id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select body::text from alert_digests where id = @id");
        cmd.Parameters.Add(new NpgsqlParameter<long>("id", id));
        return await cmd.ExecuteScalarAsync(ct) is string body ? JsonSerializer.Deserialize<List<DigestEntry>>(body, Json)! : [];
    }

    /// <summary>How a channel took the digest: delivered, or the error of the last attempt (and failed when given up).</summary>
    public async Task RecordDeliveryAsync(long id, string channel, string state, string? detail, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(channel == AlertChannels.Slack
            ? "update alert_digests set slack = @state, detail = coalesce(@detail, detail) where id = @id"
            : "update alert_digests set webhook = @state, detail = coalesce(@detail, detail) where id = @id");
        cmd.Parameters.Add(new NpgsqlParameter<long>("id", id));
        cmd.Parameters.Add(new NpgsqlParameter<string>("state", state));
        cmd.Parameters.Add(new NpgsqlParameter("detail", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)detail ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The open episodes first, then the latest resolved ones.</summary>
    public async Task<List<AlertRecord>> RecentAsync(int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select id, rule, subject, detail, fired_at, resolved_at, notified_at from alerts order by resolved_at is null desc, fired_at desc limit @limit");
        cmd.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var list = new List<AlertRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4),
                r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6)));
        return list;
    }

    public async Task<List<DigestRecord>> DigestsAsync(int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select id, created_at, jsonb_array_length(body), webhook, slack, detail from alert_digests order by id desc limit @limit");
        cmd.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var list = new List<DigestRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));
        return list;
    }
}

/// <summary>Where digests go.</summary>
public static class AlertChannels
{
    public const string Webhook = "webhook";
    public const string Slack = "slack";
}
