using Microsoft.Extensions.DependencyInjection;
using BatchEditor.Incremental;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchEditor.Manifests;

/// <summary>Registers manifests.</summary>
public static class ManifestsRegistration
{
    /// <summary>Reading, validating and importing manifests (files, uploads), and finishing them when every item is final.</summary>
    public static IServiceCollection AddManifests(this IServiceCollection services)
    {
        services.AddManifestReader();
        services.AddIncremental();
        services.AddSingleton<ManifestImporter>();
        services.AddSingleton<ManifestSubmission>();
        services.AddSingleton<ManifestFinisher>();
        services.AddSingleton<ManifestUploads>();
        services.AddSingleton<ManifestApprovals>();
        services.AddSingleton<ManifestCheckPresets>();
        return services;
    }

    /// <summary>Only the reader and validator of manifests (a quote reads a file as an import would, and writes nothing).</summary>
    public static IServiceCollection AddManifestReader(this IServiceCollection services)
    {
        services.TryAddSingleton<ManifestReader>();
        return services;
    }
}
