using Npgsql;

namespace BatchEditor.Persistence;

/// <summary>
/// A cluster-wide lock held by a session rather than a transaction, for rounds that talk to a provider while they hold
/// it (a batch upload can take minutes): no transaction sits idle, so <c>Database__IdleInTransactionTimeout</c> does not
/// end it. A worker that dies frees it with its session; disposing unlocks it before the connection returns to the pool.
/// </summary>
public sealed class SessionLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _conn;
    private readonly long _key;

    private SessionLock(NpgsqlConnection conn, long key) => (_conn, _key) = (conn, key);

    private const string TryTake = "select pg_try_advisory_lock(@key)";
    private const string Release = "select pg_advisory_unlock(@key)";

    /// <summary>The lock, or null when another session holds it now.</summary>
    public static async Task<SessionLock?> TryTakeAsync(NpgsqlDataSource dataSource, long key, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var take = new NpgsqlCommand(TryTake, conn) { Parameters = { new NpgsqlParameter<long>("key", key) } };
            if ((bool)(await take.ExecuteScalarAsync(ct))!) return new SessionLock(conn, key);
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
            await using var release = new NpgsqlCommand(Release, _conn) { Parameters = { new NpgsqlParameter<long>("key", _key) } };
            await release.ExecuteScalarAsync();
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
