using Npgsql;

namespace BatchEditor.Items;

/// <summary>Items still in an active state, by provider: what `worker --until-idle` asks before it stops.</summary>
public sealed class ActiveItems(NpgsqlDataSource dataSource)
{
    private const string AnyActive = "select exists (select 1 from items where state = any(@states) and provider = any(@providers))";

    private const string ActiveByProvider = "select provider, count(*) from items where state = any(@states) group by provider order by provider";

    private static NpgsqlParameter ActiveStates => new NpgsqlParameter<string[]>("states", ItemStates.Names(ItemStates.Active));

    /// <summary>Whether any item of these providers is active.</summary>
    public async Task<bool> AnyAsync(string[] providers, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(AnyActive);
        cmd.Parameters.Add(ActiveStates);
        cmd.Parameters.Add(new NpgsqlParameter<string[]>("providers", providers));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Active items per provider, by provider name.</summary>
    public async Task<List<(string Provider, long Items)>> ByProviderAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(ActiveByProvider);
        cmd.Parameters.Add(ActiveStates);
        var active = new List<(string, long)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) active.Add((r.GetString(0), r.GetInt64(1)));
        return active;
    }
}
