using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace BatchEditor.Persistence;

/// <summary>
/// Applies the plain SQL files in <c>migrations/</c> in name order, each in its own transaction, and records
/// them in <c>schema_migrations</c>. A session advisory lock makes it safe to run from several processes at once:
/// the second waits, then finds nothing left to do. Hangfire's tables are installed and upgraded here too
/// (<see cref="Jobs.HangfireSchema"/>), so no starting process ever creates them.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource)
{
    private const long AdvisoryLockKey = 0x42_61_74_63_68_45_64; // "BatchEd"

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "migrations");

    /// <summary>The migrations in <paramref name="directory"/> the database has not applied (readiness probes ask this).</summary>
    /// <exception cref="PostgresException">42P01 when nothing was ever migrated.</exception>
    public async Task<IReadOnlyList<string>> PendingAsync(string directory, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var applied = await LoadApplied(conn, ct);
        var pending = Files(directory).Select(f => Path.GetFileName(f)!).Where(name => !applied.ContainsKey(name)).ToList();
        if (await Jobs.HangfireSchema.InstalledVersionAsync(conn, ct) < Jobs.HangfireSchema.Latest) pending.Add($"hangfire schema v{Jobs.HangfireSchema.Latest}");
        return pending;
    }

    /// <returns>The names of the migrations this call applied (empty when the schema was current).</returns>
    public async Task<IReadOnlyList<string>> MigrateAsync(string directory, CancellationToken ct)
    {
        var files = Files(directory);

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await Execute(conn, null, $"select pg_advisory_lock({AdvisoryLockKey})", ct);
        try
        {
            await Execute(conn, null, """
                create table if not exists schema_migrations (
                    name text primary key, checksum text not null, applied_at timestamptz not null default now())
                """, ct);
            var applied = await LoadApplied(conn, ct);
            var done = new List<string>();
            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                var sql = await File.ReadAllTextAsync(file, ct);
                var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
                if (applied.TryGetValue(name, out var known))
                {
                    if (known != checksum)
                        throw new InvalidOperationException($"Migration {name} changed after it was applied; add a new migration instead.");
                    continue;
                }
                await ApplyAsync(conn, name, sql, checksum, ct);
                done.Add(name);
            }
            if (await Jobs.HangfireSchema.InstallAsync(conn, ct)) done.Add($"hangfire schema v{Jobs.HangfireSchema.Latest}");
            return done;
        }
        finally
        {
            await Execute(conn, null, $"select pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private static async Task ApplyAsync(NpgsqlConnection conn, string name, string sql, string checksum, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await Execute(conn, tx, sql, ct);
        await using (var record = new NpgsqlCommand("insert into schema_migrations (name, checksum) values ($1, $2)", conn, tx))
        {
            record.Parameters.AddWithValue(name);
            record.Parameters.AddWithValue(checksum);
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    private static List<string> Files(string directory)
    {
        var files = Directory.GetFiles(directory, "*.sql").OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList();
        return files.Count > 0 ? files : throw new InvalidOperationException($"No migrations found in {directory}.");
    }

    private static async Task<Dictionary<string, string>> LoadApplied(NpgsqlConnection conn, CancellationToken ct)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand("select name, checksum from schema_migrations", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);
        return applied;
    }

    private static async Task Execute(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
