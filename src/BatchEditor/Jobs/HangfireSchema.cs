using System.Reflection;
using Hangfire.PostgreSql;
using Npgsql;

namespace BatchEditor.Jobs;

/// <summary>
/// Hangfire's tables, in schema <see cref="Name"/> of BatchEditor's own database. Installed and upgraded by
/// <c>batch-editor migrate</c> only (with the scripts Hangfire.PostgreSql ships), never by a starting process.
/// </summary>
public static class HangfireSchema
{
    public const string Name = "hangfire";

    /// <summary>The newest schema version the installed Hangfire.PostgreSql ships a script for.</summary>
    public static int Latest { get; } = typeof(PostgreSqlObjectsInstaller).Assembly.GetManifestResourceNames()
        .Select(n => System.Text.RegularExpressions.Regex.Match(n, @"Install\.v(\d+)\.sql$"))
        .Where(m => m.Success).Max(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Installs or upgrades the schema; true when it changed anything.</summary>
    public static async Task<bool> InstallAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        if (await InstalledVersionAsync(conn, ct) >= Latest) return false;
        PostgreSqlObjectsInstaller.Install(conn, Name); // synchronous: Hangfire.PostgreSql has no async installer
        return true;
    }

    /// <summary>The installed version; 0 when the schema is not there.</summary>
    public static async Task<int> InstalledVersionAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        // Two statements: a query naming a table that does not exist fails when it is parsed, whatever it says.
        await using (var exists = new NpgsqlCommand($"select to_regclass('{Name}.schema') is not null", conn))
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return 0;
        await using var cmd = new NpgsqlCommand($"select max(version) from {Name}.schema", conn);
        return await cmd.ExecuteScalarAsync(ct) is int version ? version : 0;
    }
}
