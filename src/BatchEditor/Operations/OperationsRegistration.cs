using BatchEditor.Items;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Operations;

/// <summary>Registers the operator actions.</summary>
public static class OperationsRegistration
{
    /// <summary>Operator actions (review, retry, cancel, hold, release): shared by the CLI and the dashboard.</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddSingleton<ReviewQueries>();
        services.AddSingleton<OperatorActions>();
        services.AddSingleton<ManifestActions>();
        services.AddSingleton<SampleActions>();
        return services;
    }
}
