using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Webhooks;

/// <summary>The <c>webhooks</c> (one per manifest that asked for one) and <c>webhook_deliveries</c> tables.</summary>
public sealed class WebhookStore(NpgsqlDataSource dataSource)
{
    public sealed record Waiting(Guid ManifestId, string Url, int Attempts);

    public sealed record Delivery(int Attempt, DateTimeOffset At, int? StatusCode, string? Error, int DurationMs);

    /// <summary>Registers a manifest's webhook in the import's transaction.</summary>
    public static async Task RegisterAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid manifestId, string url, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("insert into webhooks (manifest_id, url) values ($1, $2)", conn, tx);
        cmd.Parameters.AddWithValue(manifestId);
        cmd.Parameters.AddWithValue(url);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A manifest's webhook while it waits to be delivered; null once delivered or given up (or when there is none).</summary>
    public async Task<Waiting?> WaitingAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select manifest_id, url, attempts from webhooks where manifest_id = $1 and state = {WebhookStates.WaitingSql}");
        cmd.Parameters.AddWithValue(manifestId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new Waiting(r.GetGuid(0), r.GetString(1), r.GetInt32(2)) : null;
    }

    /// <summary>Records one attempt and the state it leaves the webhook in: delivered, failed (given up), or waiting for the next.</summary>
    public async Task RecordAsync(Guid manifestId, int attempt, int? statusCode, string? error, TimeSpan duration, WebhookState next, CancellationToken ct)
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
            update webhooks set attempts = $2, state = $3, delivered_at = case when $4 then now() end
            where manifest_id = $1
            """)
        {
            Parameters =
            {
                new() { Value = manifestId },
                new() { Value = attempt },
                new() { Value = next.Stored() },
                new() { Value = next == WebhookState.Delivered },
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
