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
public sealed class OutputRows(NpgsqlDataSource dataSource)
{
    /// <param name="Inline">The output is base64 text kept in the row (see <see cref="OutputRef.InlineBase64"/>), not a URL.</param>
    public sealed record Row(int Ordinal, string SourceUrl, DateTimeOffset? ExpiresAt, bool Inline);

    private const string RunOutputs =
        $"""
        select ordinal, source_url, expires_at, inline_b64 is not null as inline, state = {OutputStateSql.Stored} as stored from outputs
        where item_id = @item and run = @run and state in ({OutputStateSql.Pending}, {OutputStateSql.Stored}) order by expires_at nulls last, ordinal
        """;

    /// <summary>The outputs of the current run still to copy (earliest expiry first), and how many are stored already.</summary>
    public async Task<(List<Row> Pending, int Stored)> ToCopyAsync(long itemId, int run, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(RunOutputs);
        cmd.Parameters.Add(new NpgsqlParameter<long>("item", itemId));
        cmd.Parameters.Add(new NpgsqlParameter<int>("run", run));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var pending = new List<Row>();
        var stored = 0;
        while (await reader.ReadAsync(ct))
        {
            var r = new RowReader(reader);
            if (r.Get<bool>("stored")) stored++;
            else pending.Add(new(r.Get<int>("ordinal"), r.Get<string>("source_url"), r.Time("expires_at"), r.Get<bool>("inline")));
        }
        return (pending, stored);
    }

    private const string InlineOutput = "select inline_b64 from outputs where item_id = @item and run = @run and ordinal = @ordinal and inline_b64 is not null";

    /// <summary>
    /// The bytes of an inline output (kept as base64 text in its row), decoded as they stream from the database: the
    /// stream holds its own connection until it is disposed. Null when the row has no inline data left.
    /// </summary>
    public async Task<Stream?> OpenInlineAsync(long itemId, int run, int ordinal, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var cmd = new NpgsqlCommand(InlineOutput, conn)
            {
                Parameters =
                {
                    new NpgsqlParameter<long>("item", itemId),
                    new NpgsqlParameter<int>("run", run),
                    new NpgsqlParameter<int>("ordinal", ordinal),
                },
            };
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
