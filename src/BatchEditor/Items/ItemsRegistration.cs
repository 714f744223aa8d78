using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Items;

/// <summary>Registers the items module.</summary>
public static class ItemsRegistration
{
    /// <summary>Every state change of an item (the transition path, leases), shared by the worker, the CLI and the dashboards.</summary>
    public static IServiceCollection AddItems(this IServiceCollection services)
    {
        services.AddSingleton<TransitionApplier>();
        services.AddSingleton<ItemTransitions>();
        services.AddSingleton<Leases>();
        services.AddSingleton<ItemClaims>();
        services.AddSingleton<RouteMoves>();
        services.AddSingleton<UnchangedItems>();
        services.AddSingleton<BatchItems>();
        services.AddSingleton<OutputRows>();
        services.AddSingleton<LedgerQueries>();
        services.AddSingleton<PromptRows>();
        services.AddSingleton<ActiveItems>();
        services.AddSingleton<ManifestItemPages>();
        services.AddSingleton<OperatorTransitions>();
        return services;
    }
}
