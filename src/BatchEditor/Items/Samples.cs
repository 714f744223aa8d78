using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// The sample of a manifest submitted "sample first": which items run first, and the rest held until approval. Chosen
/// once, in the import's transaction, when every row is in.
/// </summary>
public static class Samples
{
    /// <summary>How the reason of an item held for the sample's approval begins.</summary>
    public const string AwaitingApproval = "awaiting approval of the sample";

    // Spread across the values of a column: the first item of each value, then the second of each, … in line order.
    private const string PickByColumn =
        """
        select id from (
            select id, line, row_number() over (partition by coalesce(row_data ->> @by, '') order by line) as turn,
                   min(line) over (partition by coalesce(row_data ->> @by, '')) as first_line
            from items where manifest_id = @manifest) ranked
        order by turn, first_line
        limit @size
        """;

    // Spread across the file: the first item of each of @size equal stretches.
    private const string PickEvenly =
        """
        select distinct on (stretch) id from (
            select id, line, ntile(@size) over (order by line) as stretch from items where manifest_id = @manifest) stretches
        order by stretch, line
        """;

    private static readonly string HoldTheRest =
        $"""
        with sample as (update items set in_sample = true where id = any(@sample) returning id)
        update items set state = {StateSql.Held}, reason = @reason
        where manifest_id = @manifest and state = {StateSql.Pending} and not (id = any(@sample))
        """;

    /// <summary>Marks the sample and holds every other item of the manifest; returns how many were held.</summary>
    public static async Task<int> HoldAllButSampleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid manifestId, int size, string? byColumn,
        string reason, CancellationToken ct)
    {
        var sample = new List<long>();
        await using (var pick = new NpgsqlCommand(byColumn is null ? PickEvenly : PickByColumn, conn, tx))
        {
            pick.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
            pick.Parameters.Add(new NpgsqlParameter<int>("size", size));
            if (byColumn is not null) pick.Parameters.Add(new NpgsqlParameter<string>("by", byColumn));
            await using var r = await pick.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) sample.Add(r.GetInt64(0));
        }
        await using var hold = new NpgsqlCommand(HoldTheRest, conn, tx);
        hold.Parameters.Add(new NpgsqlParameter<long[]>("sample", [.. sample]));
        hold.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
        hold.Parameters.Add(new NpgsqlParameter<string>("reason", reason));
        return await hold.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A manifest's items with what a new prompt template is filled from: their own columns (<c>row_data</c>).</summary>
public sealed record PromptRow(long Id, ItemState State, IReadOnlyDictionary<string, string> Columns);

/// <summary>Reads the items a new prompt template is applied to (a rejected sample, a failure group retried with a new prompt).</summary>
public sealed class PromptRows(NpgsqlDataSource dataSource)
{
    private const string ByIds = "select id, state, row_data from items where id = any(@ids) order by id";

    private const string InSample = "select id, state, row_data from items where manifest_id = @manifest and in_sample order by line";

    private const string HeldOutsideSample =
        $"select id, state, row_data from items where manifest_id = @manifest and not in_sample and state = {StateSql.Held} and id > @after order by id limit @limit";

    /// <summary>These items.</summary>
    public async Task<List<PromptRow>> ForAsync(long[] ids, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(ByIds);
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The sample's items, in file order.</summary>
    public async Task<List<PromptRow>> SampleAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(InSample);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
        return await ReadAsync(cmd, ct);
    }

    /// <summary>A page of the held items outside the sample (keyset on id).</summary>
    public async Task<List<PromptRow>> HeldPageAsync(Guid manifestId, long afterId, int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(HeldOutsideSample);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("manifest", manifestId));
        cmd.Parameters.Add(new NpgsqlParameter<long>("after", afterId));
        cmd.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return await ReadAsync(cmd, ct);
    }

    private static async Task<List<PromptRow>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<PromptRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var r = new RowReader(reader);
            var columns = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(r.Text("row_data") ?? "{}") ?? [];
            rows.Add(new(r.Get<long>("id"), Enum.Parse<ItemState>(r.Get<string>("state")), columns));
        }
        return rows;
    }
}
