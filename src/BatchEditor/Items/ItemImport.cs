using BatchEditor.Providers;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Items;

/// <summary>
/// New <c>items</c> rows, written with a binary COPY inside the import's transaction. Disposed without
/// <see cref="CompleteAsync"/>, the server discards every row written (an import that found a problem writes nothing).
/// </summary>
public sealed class ItemImport : IAsyncDisposable
{
    private const string CopyItems =
        "copy items (manifest_id, row_id, line, provider, model, prompt, image_urls, mask_url, size, quality, n, output_format, row_data, reason, route, edit_key, deadline_at, batch_until) from stdin (format binary)";

    private readonly NpgsqlBinaryImporter _writer;

    private ItemImport(NpgsqlBinaryImporter writer) => _writer = writer;

    /// <summary>Starts the copy on <paramref name="conn"/>, whose transaction the rows join.</summary>
    public static async Task<ItemImport> BeginAsync(NpgsqlConnection conn, CancellationToken ct) => new(await conn.BeginBinaryImportAsync(CopyItems, ct));

    /// <summary>One item, Pending, with the edit it asks for, its line in the file and the file's other columns as JSON.</summary>
    /// <param name="route">The route's choices that can take the row (<c>provider:model</c>), or null for one provider.</param>
    /// <param name="editKey">The key of the edit the row asks for (an incremental run), or null.</param>
    /// <param name="deadline">When the item must be done, and until when it waits for a provider batch (both null without a deadline).</param>
    public async Task WriteAsync(Guid manifestId, int line, string provider, EditRequest request, string rowDataJson, string reason, string[]? route, string? editKey,
        (DateTimeOffset At, DateTimeOffset? BatchUntil)? deadline, CancellationToken ct)
    {
        await _writer.StartRowAsync(ct);
        await _writer.WriteAsync(manifestId, NpgsqlDbType.Uuid, ct);
        await _writer.WriteAsync(request.RowId, NpgsqlDbType.Text, ct);
        await _writer.WriteAsync(line, NpgsqlDbType.Integer, ct);
        await _writer.WriteAsync(provider, NpgsqlDbType.Text, ct);
        await _writer.WriteAsync(request.Model, NpgsqlDbType.Text, ct);
        await _writer.WriteAsync(request.Prompt, NpgsqlDbType.Text, ct);
        await _writer.WriteAsync(request.ImageUrls.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        await WriteNullable(request.MaskUrl, ct);
        await WriteNullable(request.Size, ct);
        await WriteNullable(request.Quality, ct);
        await _writer.WriteAsync(request.N, NpgsqlDbType.Integer, ct);
        await WriteNullable(request.OutputFormat, ct);
        await _writer.WriteAsync(rowDataJson, NpgsqlDbType.Jsonb, ct);
        await _writer.WriteAsync(reason, NpgsqlDbType.Text, ct);
        if (route is null) await _writer.WriteNullAsync(ct);
        else await _writer.WriteAsync(route, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        await WriteNullable(editKey, ct);
        await WriteTime(deadline?.At, ct);
        await WriteTime(deadline?.BatchUntil, ct);
    }

    private Task WriteTime(DateTimeOffset? value, CancellationToken ct) =>
        value is { } at ? _writer.WriteAsync(at.UtcDateTime, NpgsqlDbType.TimestampTz, ct) : _writer.WriteNullAsync(ct);

    /// <summary>Keeps every row written (they commit with the transaction).</summary>
    public async Task CompleteAsync(CancellationToken ct) => await _writer.CompleteAsync(ct);

    private Task WriteNullable(string? value, CancellationToken ct) =>
        value is null ? _writer.WriteNullAsync(ct) : _writer.WriteAsync(value, NpgsqlDbType.Text, ct);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
