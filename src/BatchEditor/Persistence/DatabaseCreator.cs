using Npgsql;

namespace BatchEditor.Persistence;

/// <summary>Creates the configured database when the server has none of that name, so `migrate` works on a fresh server.</summary>
public static class DatabaseCreator
{
    public static async Task<bool> EnsureExistsAsync(string connectionString, CancellationToken ct)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(target.Database)) return false;
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        await conn.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select exists (select 1 from pg_database where datname = $1)", conn);
        exists.Parameters.AddWithValue(target.Database);
        if ((bool)(await exists.ExecuteScalarAsync(ct))!) return false;
        try
        {
            await using var create = new NpgsqlCommand($"create database \"{target.Database.Replace("\"", "\"\"")}\"", conn);
            await create.ExecuteNonQueryAsync(ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            return false; // another migrate created it first
        }
    }
}
