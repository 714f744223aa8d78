using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Webhooks;

/// <summary>The <c>webhooks</c> (one per manifest that asked for one) and <c>webhook_deliveries</c> tables.</summary>
public sealed class WebhookStore(NpgsqlDataSource dataSource)
{
    public sealed record Due(Guid ManifestId, string Url, int Attempts);

    public sealed record Delivery(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, int DurationMs);

    /// <summary>Registers a manifest's webhook in the import's transaction.</summary>
    public static async Task RegisterAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid manifestId, string url, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("insert into webhooks (manifest_id, url) values ($1, $2)", conn, tx);
        cmd.Parameters.AddWithValue(manifestId);
        cmd.Parameters.AddWithValue(url);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Webhooks waiting to be sent whose next attempt is due (their manifests may not be finished yet).</summary>
    public async Task<List<Due>> DueAsync(int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select manifest_id, url, attempts from webhooks where state = 'waiting' and next_attempt_at <= now() order by next_attempt_at limit $1");
        cmd.Parameters.AddWithValue(limit);
        var due = new List<Due>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) due.Add(new(r.GetGuid(0), r.GetString(1), r.GetInt32(2)));
        return due;
    }

    /// <summary>Takes a due webhook for <paramref name="lease"/>, so one worker in the cluster sends it; false when another took it.</summary>
    public async Task<bool> ClaimAsync(Guid manifestId, TimeSpan lease, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "update webhooks set next_attempt_at = now() + $2 where manifest_id = $1 and state = 'waiting' and next_attempt_at <= now()");
        cmd.Parameters.AddWithValue(manifestId);
        cmd.Parameters.AddWithValue(lease);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Records one attempt and what follows: delivered, a retry at <paramref name="retryAt"/>, or (null) given up.</summary>
    public async Task RecordAsync(Guid manifestId, int attempt, int? statusCode, string? error, TimeSpan duration, bool delivered, DateTimeOffset? retryAt,
        CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "insert into webhook_deliveries (manifest_id, attempt, status_code, error, duration_ms) values ($1, $2, $3, $4, $5)")
        {
            Parameters =
            {
                new() { Value = manifestId },
                new() { Value = attempt },
                new() { Value = (object?)statusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
                new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = (int)duration.TotalMilliseconds },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            update webhooks set attempts = $2,
                state = case when $3 then 'delivered' when $4::timestamptz is null then 'failed' else 'waiting' end,
                delivered_at = case when $3 then now() end,
                next_attempt_at = coalesce($4, now())
            where manifest_id = $1
            """)
        {
            Parameters =
            {
                new() { Value = manifestId },
                new() { Value = attempt },
                new() { Value = delivered },
                new() { Value = (object?)retryAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            },
        });
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task<List<Delivery>> DeliveriesAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select attempt, at, status_code, error, duration_ms from webhook_deliveries where manifest_id = $1 order by id");
        cmd.Parameters.AddWithValue(manifestId);
        var list = new List<Delivery>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new(r.GetInt32(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4)));
        return list;
    }
}
