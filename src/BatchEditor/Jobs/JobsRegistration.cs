using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Jobs;

/// <summary>
/// Hangfire on BatchEditor's database (schema <see cref="HangfireSchema.Name"/>): what runs on it (schedules, imports,
/// manifest finishing, webhooks, large operator actions, maintenance) and, in workers, its server. Item steps never run
/// on Hangfire: the items table is their queue (docs/architecture.md says why, with the measurements). The areas bring
/// their own jobs, maintenance processes (<see cref="MaintenanceProcess"/>) and filters (<see cref="JobFilters"/>).
/// </summary>
public static class JobsRegistration
{
    /// <summary>Every process: Hangfire's storage and client (enqueue, recurring jobs, the dashboard's reads).</summary>
    public static IServiceCollection AddBatchEditorJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection("Jobs")).ValidateDataAnnotations().ValidateOnStart();
        // Hangfire keeps its storage, activator and filters in process-wide statics; these per-host registrations come
        // first, so two hosts in one process (the tests run several) never take each other's database or services.
        services.TryAddSingleton<JobStorage>(sp => new PostgreSqlStorage(new DataSourceConnections(sp.GetRequiredService<NpgsqlDataSource>()), StorageOptions(sp)));
        services.TryAddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.TryAddSingleton<IJobFilterProvider>(sp => new JobFilterProviderCollection([JobFilterProviders.Providers, .. sp.GetServices<JobFilters>()]));
        services.AddHangfire((sp, config) => config
            .UseLogProvider(new DisposalSafeLogProvider(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>()));
        services.TryAddSingleton<JobQueues>();
        return services;
    }

    /// <summary>
    /// A worker's Hangfire server, beside its item dispatcher, named like the worker. The maintenance processes
    /// (IBackgroundProcess) each area registers run inside it.
    /// </summary>
    public static IServiceCollection AddBatchEditorJobServer(this IServiceCollection services, Func<IServiceProvider, string> serverName)
    {
        services.AddHangfireServer((sp, options) =>
        {
            var jobs = sp.GetRequiredService<IOptions<JobsOptions>>().Value;
            options.ServerName = serverName(sp);
            options.Queues = Queues.All;
            options.WorkerCount = jobs.WorkerCount;
            options.SchedulePollingInterval = jobs.SchedulePollingInterval;
            // Jobs in flight get what the worker's own stop allows; an interrupted one runs again (they are idempotent).
            options.StopTimeout = TimeSpan.FromSeconds(5);
            options.ShutdownTimeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }

    private static PostgreSqlStorageOptions StorageOptions(IServiceProvider sp)
    {
        var jobs = sp.GetRequiredService<IOptions<JobsOptions>>().Value;
        return new PostgreSqlStorageOptions
        {
            SchemaName = HangfireSchema.Name,
            PrepareSchemaIfNecessary = false, // `batch-editor migrate` installs it (HangfireSchema)
            QueuePollInterval = jobs.QueuePollInterval,
            // Hangfire's own locks (recurring jobs, counters) are held for milliseconds: one left by a process that died
            // should not block them for Hangfire's default ten minutes.
            DistributedLockTimeout = TimeSpan.FromMinutes(1),
            InvisibilityTimeout = TimeSpan.FromMinutes(30),
            UseSlidingInvisibilityTimeout = true,
        };
    }
}
