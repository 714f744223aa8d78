using Hangfire.PostgreSql;
using Npgsql;

namespace BatchEditor.Jobs;

/// <summary>Hangfire.PostgreSql takes its connections from BatchEditor's own data source: one pool, one set of settings.</summary>
public sealed class DataSourceConnections(NpgsqlDataSource dataSource) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
}
