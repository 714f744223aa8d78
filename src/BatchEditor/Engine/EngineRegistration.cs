using BatchEditor.Batches;
using BatchEditor.Alerting;
using BatchEditor.Jobs;
using BatchEditor.Manifests;
using BatchEditor.Scheduling;
using BatchEditor.Totals;
using Hangfire.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>Registers the item engine.</summary>
public static class EngineRegistration
{
    /// <summary>What every process needs of the engine: its log and the providers' circuit breakers (`status` reads them).</summary>
    public static IServiceCollection AddEngine(this IServiceCollection services)
    {
        services.AddSingleton<EngineLog>();
        services.AddSingleton<ProviderBreaker>();
        return services;
    }

    /// <summary>The worker: the item dispatcher and its steps, and a Hangfire server for everything else.</summary>
    public static IServiceCollection AddBatchEditorWorker(this IServiceCollection services, IConfiguration configuration, Action<WorkerOptions>? overrides = null)
    {
        var options = services.AddOptions<WorkerOptions>().Bind(configuration.GetSection("Worker")).ValidateDataAnnotations().ValidateOnStart();
        if (overrides is not null) options.Configure(overrides);
        services.AddSingleton<ItemClaimer>();
        services.AddSingleton<LeaseKeeper>();
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<WorkerExit>();
        services.AddSingleton<ManifestsWorked>();
        services.AddSingleton<SubmitStep>();
        services.AddSingleton<PollStep>();
        services.AddSingleton<Polling.JobLatencies>();
        services.AddSingleton<CopyStep>();
        services.AddSingleton<LeaseRescuer>();
        services.AddSingleton<WorkerShutdown>();
        services.AddSingleton<AnswerSpill>();
        services.AddSingleton<RouteMover>();
        // The host gives its services as long to stop as the worker's grace allows, and not much more (WorkerShutdown).
        services.AddOptions<HostOptions>().Configure<WorkerShutdown>((host, shutdown) => host.ShutdownTimeout = shutdown.HostTimeout);
        services.AddHostedService<Dispatcher>();
        services.AddHostedService<SpillReplayer>();
        services.AddHostedService<NewWorkListener>();
        services.AddHostedService<WorkerHeartbeat>();
        services.AddHostedService<ProgressReporter>();
        services.AddHostedService<ScheduleSync>();
        // Beside the dispatcher, a Hangfire server runs schedules, imports, finishing, webhooks and this maintenance.
        services.AddSingleton<IBackgroundProcess, LeaseRescueProcess>();
        services.AddSingleton<IBackgroundProcess, RouteMoveProcess>();
        services.AddAlertEvaluation();
        services.AddBatchRounds();
        services.AddSingleton<IBackgroundProcess, BatchRoundsProcess>();
        services.AddSingleton<IBackgroundProcess, TotalsFoldProcess>();
        services.AddSingleton<IBackgroundProcess, ManifestFinishProcess>();
        services.AddSingleton<IBackgroundProcess, UploadRetentionProcess>();
        services.AddBatchEditorJobServer(sp => sp.GetRequiredService<IOptions<WorkerOptions>>().Value.WorkerName);
        return services;
    }
}
