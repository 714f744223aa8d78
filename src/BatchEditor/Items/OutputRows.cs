using System.Data;
using System.Security.Cryptography;
using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>Where an output was stored, as its row records it (what the store reported after it checked the bytes).</summary>
public sealed record StoredOutput(string BlobName, string Location, string ContentType, long Size, string Md5Base64);

/// <summary>
/// The <c>outputs</c> rows of an item: written with its transitions, read by the copy step. Rows belong to one run of
/// the item (<c>items.run</c>): an operator's retry starts a new run, and the outputs of earlier runs stay as history.
/// </summary>
public static class OutputRows
{
    /// <param name="Inline">The output is base64 text kept in the row (see <see cref="OutputRef.InlineBase64"/>), not a URL.</param>
    public sealed record Row(int Ordinal, string SourceUrl, DateTimeOffset? ExpiresAt, bool Inline);

    public static async Task MarkStored(NpgsqlConnection conn, NpgsqlTransaction tx, long itemId, int run, int ordinal, StoredOutput blob, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            update outputs set state = {OutputStateSql.Stored}, inline_b64 = null, blob_name = @n, location = @l, content_type = @t, size_bytes = @s, md5 = @m, stored_at = now()
            where item_id = @i and run = @r and ordinal = @o
            """, conn, tx);
        cmd.Parameters.AddWithValue("i", itemId);
        cmd.Parameters.AddWithValue("r", run);
        cmd.Parameters.AddWithValue("o", ordinal);
        cmd.Parameters.AddWithValue("n", blob.BlobName);
        cmd.Parameters.AddWithValue("l", blob.Location);
        cmd.Parameters.AddWithValue("t", blob.ContentType);
        cmd.Parameters.AddWithValue("s", blob.Size);
        cmd.Parameters.AddWithValue("m", blob.Md5Base64);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task MarkExpired(NpgsqlConnection conn, NpgsqlTransaction tx, long itemId, int run, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"update outputs set state = {OutputStateSql.Expired} where item_id = @i and run = @r and state = {OutputStateSql.Pending}", conn, tx);
        cmd.Parameters.AddWithValue("i", itemId);
        cmd.Parameters.AddWithValue("r", run);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The outputs of the current run still to copy (earliest expiry first), and how many are stored already.</summary>
    public static async Task<(List<Row> Pending, int Stored)> ToCopyAsync(NpgsqlDataSource dataSource, long itemId, int run, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            select ordinal, source_url, expires_at, inline_b64 is not null, state = {OutputStateSql.Stored} from outputs
            where item_id = $1 and run = $2 and state in ({OutputStateSql.Pending}, {OutputStateSql.Stored}) order by expires_at nulls last, ordinal
            """);
        cmd.Parameters.AddWithValue(itemId);
        cmd.Parameters.AddWithValue(run);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var pending = new List<Row>();
        var stored = 0;
        while (await r.ReadAsync(ct))
            if (r.GetBoolean(4)) stored++;
            else pending.Add(new(r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2), r.GetBoolean(3)));
        return (pending, stored);
    }

    /// <summary>
    /// The bytes of an inline output (kept as base64 text in its row), decoded as they stream from the database: the
    /// stream holds its own connection until it is disposed. Null when the row has no inline data left.
    /// </summary>
    public static async Task<Stream?> OpenInlineAsync(NpgsqlDataSource dataSource, long itemId, int run, int ordinal, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var cmd = new NpgsqlCommand("select inline_b64 from outputs where item_id = $1 and run = $2 and ordinal = $3 and inline_b64 is not null", conn);
            cmd.Parameters.AddWithValue(itemId);
            cmd.Parameters.AddWithValue(run);
            cmd.Parameters.AddWithValue(ordinal);
            var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
            if (!await reader.ReadAsync(ct))
            {
                await reader.DisposeAsync();
                await cmd.DisposeAsync();
                await conn.DisposeAsync();
                return null;
            }
            return new InlineStream(new CryptoStream(reader.GetStream(0), new FromBase64Transform(), CryptoStreamMode.Read), reader, cmd, conn);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>The decoded text, owning the reader, command and connection it streams from.</summary>
    private sealed class InlineStream(Stream decoded, params IAsyncDisposable[] owned) : Downloads.ForwardOnlyStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => decoded.ReadAsync(buffer, ct);

        public override async ValueTask DisposeAsync()
        {
            await decoded.DisposeAsync();
            foreach (var o in owned) await o.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
