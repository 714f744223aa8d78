using Npgsql;

namespace BatchEditor.Items;

/// <summary>Items still in an active state, by provider: what `worker --until-idle` asks before it stops.</summary>
public sealed class ActiveItems(NpgsqlDataSource dataSource)
{
    /// <summary>Whether any item of these providers is active.</summary>
    public async Task<bool> AnyAsync(string[] providers, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select exists (select 1 from items where state = any($1) and provider = any($2))");
        cmd.Parameters.AddWithValue(ItemStates.Names(ItemStates.Active));
        cmd.Parameters.AddWithValue(providers);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Active items per provider, by provider name.</summary>
    public async Task<List<(string Provider, long Items)>> ByProviderAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select provider, count(*) from items where state = any($1) group by provider order by provider");
        cmd.Parameters.AddWithValue(ItemStates.Names(ItemStates.Active));
        var active = new List<(string, long)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) active.Add((r.GetString(0), r.GetInt64(1)));
        return active;
    }
}
