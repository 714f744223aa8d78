using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Incremental;

/// <summary>Registers incremental runs: edit keys, with their own guarded HTTP client for the inputs.</summary>
public static class IncrementalRegistration
{
    public static IServiceCollection AddIncremental(this IServiceCollection services)
    {
        services.AddHttpClient(EditKeys.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan) // the download deadlines bound each fetch
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Downloads.OutboundGuard>().CreateHandler([]));
        services.AddSingleton<EditKeys>();
        return services;
    }
}
