using Npgsql;

namespace BatchEditor.Persistence;

/// <summary>
/// A cluster-wide lock for work that one worker at a time does, an advisory lock a worker that dies frees with its
/// session. <see cref="TryTakeAsync"/> holds it in a transaction (a rescue round: short, database work only);
/// <see cref="TryTakeSessionAsync"/> holds it in the session, for rounds that talk to a provider meanwhile (a batch upload
/// can take minutes: no transaction sits idle, so <c>Database__IdleInTransactionTimeout</c> does not end it). Disposing
/// releases it.
/// </summary>
public sealed class ClusterLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _conn;
    private readonly NpgsqlTransaction? _tx;
    private readonly long _key;

    private ClusterLock(NpgsqlConnection conn, NpgsqlTransaction? tx, long key) => (_conn, _tx, _key) = (conn, tx, key);

    private const string TryTakeInTransaction = "select pg_try_advisory_xact_lock(@key)";
    private const string TryTakeInSession = "select pg_try_advisory_lock(@key)";
    private const string ReleaseSession = "select pg_advisory_unlock(@key)";

    /// <summary>The lock, held by a transaction, or null when another holds it now.</summary>
    public static Task<ClusterLock?> TryTakeAsync(NpgsqlDataSource dataSource, long key, CancellationToken ct) => TryTakeAsync(dataSource, key, inSession: false, ct);

    /// <summary>The lock, held by the session (no open transaction), or null when another holds it now.</summary>
    public static Task<ClusterLock?> TryTakeSessionAsync(NpgsqlDataSource dataSource, long key, CancellationToken ct) => TryTakeAsync(dataSource, key, inSession: true, ct);

    private static async Task<ClusterLock?> TryTakeAsync(NpgsqlDataSource dataSource, long key, bool inSession, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct);
        NpgsqlTransaction? tx = null;
        try
        {
            if (!inSession) tx = await conn.BeginTransactionAsync(ct);
            await using var take = new NpgsqlCommand(inSession ? TryTakeInSession : TryTakeInTransaction, conn, tx)
            {
                Parameters = { new NpgsqlParameter<long>("key", key) },
            };
            if ((bool)(await take.ExecuteScalarAsync(ct))!) return new ClusterLock(conn, tx, key);
            if (tx is not null) await tx.DisposeAsync();
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
        try
        {
            if (_tx is not null) await _tx.DisposeAsync();
            else
            {
                await using var release = new NpgsqlCommand(ReleaseSession, _conn) { Parameters = { new NpgsqlParameter<long>("key", _key) } };
                await release.ExecuteScalarAsync();
            }
        }
        catch (NpgsqlException)
        {
            // The session is gone, and the lock with it.
        }
        finally
        {
            await _conn.DisposeAsync();
        }
    }
}
