using Npgsql;

namespace BatchEditor.Persistence;

/// <summary>
/// A cluster-wide lock for work that one worker at a time does (a rescue round): a transaction-scoped advisory lock,
/// so a worker that dies while holding it frees it with its session. Disposing releases it.
/// </summary>
public sealed class ClusterLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _conn;
    private readonly NpgsqlTransaction _tx;

    private ClusterLock(NpgsqlConnection conn, NpgsqlTransaction tx) => (_conn, _tx) = (conn, tx);

    private const string TryTake = "select pg_try_advisory_xact_lock(@key)";

    /// <summary>The lock, or null when another holds it now.</summary>
    public static async Task<ClusterLock?> TryTakeAsync(NpgsqlDataSource dataSource, long key, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await conn.BeginTransactionAsync(ct);
            await using var take = new NpgsqlCommand(TryTake, conn, tx) { Parameters = { new NpgsqlParameter<long>("key", key) } };
            if ((bool)(await take.ExecuteScalarAsync(ct))!) return new ClusterLock(conn, tx);
            await tx.DisposeAsync();
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
        await conn.DisposeAsync();
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _tx.DisposeAsync();
        await _conn.DisposeAsync();
    }
}
