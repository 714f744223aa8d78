using BatchEditor.Persistence;
using BatchEditor.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Hangfire;
using Npgsql;

namespace BatchEditor.Host.Web.Health;

/// <summary>The database answers and carries every migration this build ships.</summary>
public sealed class DatabaseCheck(Migrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var pending = await migrator.PendingAsync(Migrator.DefaultDirectory, cancellationToken);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("every migration applied")
                : HealthCheckResult.Unhealthy($"not migrated ({string.Join(", ", pending)}); run `batch-editor migrate`");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return HealthCheckResult.Unhealthy("the database is not set up; run `batch-editor migrate`");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"cannot reach PostgreSQL: {e.Message}");
        }
    }
}

/// <summary>The output store is reachable and writable.</summary>
public sealed class StorageCheck(IBlobStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.EnsureReadyAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{store.Kind} storage writable");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{store.Kind} storage: {e.Message}");
        }
    }
}

/// <summary>
/// Hangfire: its storage answers, and where this process runs a Hangfire server (a worker), that server is registered
/// and beating (its heartbeat is recent).
/// </summary>
public sealed class JobsCheck(JobStorage storage, JobsRole role) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var servers = storage.GetMonitoringApi().Servers();
            if (!role.RunsServer)
                return Task.FromResult(HealthCheckResult.Healthy($"Hangfire storage reachable ({servers.Count} server(s)); jobs run on the workers"));
            var ours = servers.FirstOrDefault(s => s.Name.StartsWith(role.ServerName + ":", StringComparison.Ordinal));
            return Task.FromResult(ours is { Heartbeat: { } beat } && DateTime.UtcNow - beat < TimeSpan.FromMinutes(1)
                ? HealthCheckResult.Healthy($"Hangfire server {ours.Name} running ({ours.WorkersCount} workers)")
                : HealthCheckResult.Unhealthy("this worker's Hangfire server is not registered or not beating"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Hangfire: {e.Message}"));
        }
    }
}

/// <summary>Whether this process runs a Hangfire server (<c>worker --dashboard</c>, named <paramref name="ServerName"/>) or only serves (<c>web</c>).</summary>
public sealed record JobsRole(bool RunsServer, string ServerName);
