using BatchEditor.Batches;
using BatchEditor.Alerting;
using BatchEditor.Budgets;
using BatchEditor.Checks;
using BatchEditor.Engine;
using BatchEditor.Items;
using BatchEditor.Jobs;
using BatchEditor.Manifests;
using BatchEditor.Operations;
using BatchEditor.Persistence;
using BatchEditor.Providers;
using BatchEditor.Quotes;
using BatchEditor.ReadModel;
using BatchEditor.Scheduling;
using BatchEditor.Storage;
using BatchEditor.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor;

/// <summary>
/// The composition, one <c>Add…</c> per area, each in its own folder, in two parts: the base every command reads with,
/// and the work areas of the commands that change, enqueue or run work. The worker adds
/// <see cref="EngineRegistration.AddBatchEditorWorker"/>; the dashboard and API add the web.
/// </summary>
public static class ServiceRegistration
{
    /// <summary>Everything: the base and the work areas (the web host, the worker, the tests).</summary>
    public static IServiceCollection AddBatchEditorCore(this IServiceCollection services, IConfiguration configuration) =>
        services.AddBatchEditorBase(configuration).AddBatchEditorWork(configuration);

    /// <summary>
    /// What every command needs: the database, the providers' settings and prices, storage, the queue's data
    /// (<see cref="ItemsRegistration.AddItems"/>) and the one read side the CLI and the web share.
    /// </summary>
    public static IServiceCollection AddBatchEditorBase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<Telemetry.BatchEditorMetrics>();
        services.AddPersistence(configuration);
        services.AddProviders(configuration);
        services.AddStorage(configuration);
        services.AddItems();
        services.AddReadModel();
        return services;
    }

    /// <summary>What changes, enqueues or runs work: imports, operator actions, budgets, Hangfire's jobs, webhooks, schedules, the engine's parts.</summary>
    public static IServiceCollection AddBatchEditorWork(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddEngine();
        services.AddManifests();
        services.AddOperations();
        services.AddBudgets();
        services.AddBatchEditorJobs(configuration);
        services.AddWebhooks(configuration);
        services.AddAlerts(configuration);
        services.AddBatches(configuration);
        services.AddScheduling();
        services.AddQuotes();
        services.AddChecks();
        return services;
    }
}
