using BatchEditor.Budgets;
using BatchEditor.Engine;
using BatchEditor.Items;
using BatchEditor.Jobs;
using BatchEditor.Manifests;
using BatchEditor.Operations;
using BatchEditor.Persistence;
using BatchEditor.Providers;
using BatchEditor.ReadModel;
using BatchEditor.Scheduling;
using BatchEditor.Storage;
using BatchEditor.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor;

/// <summary>
/// The composition of what every command needs, one <c>Add…</c> per area, each in its own folder. The worker adds
/// <see cref="EngineRegistration.AddBatchEditorWorker"/>; the dashboard and API add the web. The CLI and the web read through the one read model.
/// </summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddBatchEditorCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<Telemetry.BatchEditorMetrics>();
        services.AddPersistence(configuration);
        services.AddProviders(configuration);
        services.AddStorage(configuration);
        services.AddItems();
        services.AddEngine();
        services.AddManifests();
        services.AddReadModel();
        services.AddOperations();
        services.AddBudgets();
        services.AddBatchEditorJobs(configuration);
        services.AddWebhooks(configuration);
        services.AddScheduling();
        return services;
    }
}
