using BatchEditor.Providers.OpenAI;
using Npgsql;

namespace BatchEditor.Batches;

/// <summary>A provider batch as recorded: when its items must leave it, and whether its cancel was asked.</summary>
public sealed record BatchRecord(string Id, int Items, string Status, DateTimeOffset? FallbackAt, DateTimeOffset? CancelRequestedAt, DateTimeOffset CreatedAt)
{
    /// <summary>When its files were read (null: still in flight), and what became of its lines.</summary>
    public DateTimeOffset? ReadAt { get; init; }
    public string? Detail { get; init; }
}

/// <summary>The <c>provider_batches</c> table: every batch created, its last known status, and when its files were read.</summary>
public sealed class BatchStore(NpgsqlDataSource dataSource)
{
    private const string Insert =
        "insert into provider_batches (id, provider, input_file_id, items, status, deadline_at) values (@id, @provider, @file, @items, @status, @fallback)";

    /// <param name="fallbackAt">When its items must leave it to be sent synchronously (the earliest of theirs).</param>
    public async Task InsertAsync(string provider, OpenAiBatch batch, string inputFileId, int items, DateTimeOffset? fallbackAt, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Insert);
        cmd.Parameters.Add(new NpgsqlParameter<string>("id", batch.Id));
        cmd.Parameters.Add(new NpgsqlParameter<string>("provider", provider));
        cmd.Parameters.Add(new NpgsqlParameter<string>("file", inputFileId));
        cmd.Parameters.Add(new NpgsqlParameter<int>("items", items));
        cmd.Parameters.Add(new NpgsqlParameter<string>("status", batch.Status));
        cmd.Parameters.Add(new NpgsqlParameter("fallback", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)fallbackAt ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private const string Columns = "id, items, status, deadline_at, cancel_requested_at, created_at, read_at, detail";
    private const string Open = $"select {Columns} from provider_batches where read_at is null order by created_at";
    private const string Recent = $"select {Columns} from provider_batches order by read_at is null desc, created_at desc limit @limit";

    /// <summary>Batches whose files have not been read yet.</summary>
    public async Task<List<BatchRecord>> OpenAsync(CancellationToken ct) => await ReadAsync(dataSource.CreateCommand(Open), ct);

    /// <summary>The batches in flight, then the latest ones read (the dashboard's providers page).</summary>
    public async Task<List<BatchRecord>> RecentAsync(int limit, CancellationToken ct)
    {
        var cmd = dataSource.CreateCommand(Recent);
        cmd.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return await ReadAsync(cmd, ct);
    }

    private static async Task<List<BatchRecord>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var cmd = command;
        var list = new List<BatchRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new(r.GetString(0), r.GetInt32(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5))
            {
                ReadAt = r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), Detail = r.IsDBNull(7) ? null : r.GetString(7),
            });
        return list;
    }

    private const string AnyOpen = "select exists (select 1 from provider_batches where read_at is null)";

    /// <summary>Whether a batch is still in flight or unread: its lines may still settle items or bring billed answers.</summary>
    public async Task<bool> AnyOpenAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(AnyOpen);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private const string Checked =
        """
        update provider_batches set status = @status, checked_at = now(), output_file_id = @output, error_file_id = @errors, detail = coalesce(@detail, detail),
            ended_at = case when @ended then coalesce(ended_at, now()) end
        where id = @id
        """;

    public async Task CheckedAsync(OpenAiBatch batch, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Checked);
        cmd.Parameters.Add(new NpgsqlParameter<string>("id", batch.Id));
        cmd.Parameters.Add(new NpgsqlParameter<string>("status", batch.Status));
        cmd.Parameters.Add(new NpgsqlParameter("output", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)batch.OutputFileId ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("errors", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)batch.ErrorFileId ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("detail", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)batch.Errors ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter<bool>("ended", batch.Ended));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task CancelRequestedAsync(string id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update provider_batches set cancel_requested_at = coalesce(cancel_requested_at, now()) where id = @id");
        cmd.Parameters.Add(new NpgsqlParameter<string>("id", id));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task MarkReadAsync(string id, string detail, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update provider_batches set read_at = now(), detail = @detail where id = @id");
        cmd.Parameters.Add(new NpgsqlParameter<string>("id", id));
        cmd.Parameters.Add(new NpgsqlParameter<string>("detail", detail));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
