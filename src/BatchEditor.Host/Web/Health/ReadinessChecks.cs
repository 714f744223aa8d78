using BatchEditor.Persistence;
using BatchEditor.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Quartz;

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
