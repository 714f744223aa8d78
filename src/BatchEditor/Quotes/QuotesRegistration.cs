using BatchEditor.Manifests;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Quotes;

/// <summary>Registers quoting.</summary>
public static class QuotesRegistration
{
    /// <summary>Quotes of manifests before they are queued (the CLI's <c>quote</c> and <c>submit --dry-run</c>, the API).</summary>
    public static IServiceCollection AddQuotes(this IServiceCollection services)
    {
        services.AddManifestReader();
        services.AddScoped<ManifestQuoter>(); // reads workers through the read model's DbContext
        return services;
    }
}
