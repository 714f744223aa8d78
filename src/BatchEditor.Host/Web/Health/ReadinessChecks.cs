using BatchEditor.Persistence;
using BatchEditor.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Quartz;

namespace BatchEditor.Host.Web.Health;

/// <summary>The database answers and carries every migration this build ships.</summary>
public sealed class DatabaseCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand("select name from schema_migrations");
            var applied = new HashSet<string>();
            await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
                while (await r.ReadAsync(cancellationToken)) applied.Add(r.GetString(0));
            var missing = Directory.GetFiles(Migrator.DefaultDirectory, "*.sql").Select(Path.GetFileName).Where(f => !applied.Contains(f!)).ToList();
            return missing.Count == 0
                ? HealthCheckResult.Healthy($"{applied.Count} migrations applied")
                : HealthCheckResult.Unhealthy($"not migrated ({string.Join(", ", missing)}); run `batch-editor migrate`");
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
/// Quartz: where this process runs the scheduler (a worker), it is started and not in standby; elsewhere its clustered
/// store answers.
/// </summary>
public sealed class SchedulerCheck(ISchedulerFactory schedulers, SchedulerRole role) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            if (!role.RunsJobs)
            {
                var groups = await scheduler.GetTriggerGroupNames(cancellationToken);
                return HealthCheckResult.Healthy($"scheduler store reachable ({groups.Count} trigger group(s)); jobs run on the workers");
            }
            return scheduler.Status == SchedulerStatus.Running
                ? HealthCheckResult.Healthy($"scheduler {scheduler.SchedulerInstanceId} running")
                : HealthCheckResult.Unhealthy($"the scheduler is {scheduler.Status}, not running");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"scheduler: {e.Message}");
        }
    }
}

/// <summary>Whether this process runs Quartz jobs (<c>worker --dashboard</c>) or only serves (<c>web</c>).</summary>
public sealed record SchedulerRole(bool RunsJobs);
