using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace BatchEditor.Persistence;

/// <summary>Registers the database.</summary>
public static class PersistenceRegistration
{
    public const string ConnectionStringName = "BatchEditor";

    /// <summary>The data source every part shares (one pool), and the migrator.</summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = ConnectionString(configuration);
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "batch-editor" }.Build());
        services.AddSingleton<Migrator>();
        return services;
    }

    /// <summary>
    /// The configured connection string, with automatic preparation and no reset on close unless it sets them, and with
    /// <c>idle_in_transaction_session_timeout</c> set on every session
    /// (<c>Database__IdleInTransactionTimeout</c>, default 60 s): a worker paused in the middle of a transaction (SIGSTOP,
    /// a VM stall) would otherwise hold its row locks (the claim's, Hangfire's) and stall every other worker until it resumed.
    /// BatchEditor's own transactions last milliseconds.
    /// </summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"No connection string: set ConnectionStrings__{ConnectionStringName}.");
        var timeout = configuration.GetValue("Database:IdleInTransactionTimeout", TimeSpan.FromSeconds(60));
        var builder = new NpgsqlConnectionStringBuilder(configured);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured };
        bool Given(params string[] keys) => keys.Any(given.ContainsKey);
        // Speed (docs/performance.md), unless the connection string says otherwise: the engine's statements are prepared
        // once per connection, and a connection going back to the pool is not reset (BatchEditor leaves no session state
        // behind; a reset costs a round trip per use and drops the prepared statements).
        if (!Given("Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!Given("No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        if (timeout > TimeSpan.Zero && builder.Options?.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal) != true)
            builder.Options = $"{builder.Options} -c idle_in_transaction_session_timeout={(long)timeout.TotalMilliseconds}".Trim();
        return builder.ConnectionString;
    }
}
