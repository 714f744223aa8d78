using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Manifests;

/// <summary>Registers manifests.</summary>
public static class ManifestsRegistration
{
    /// <summary>Reading, validating and importing manifests (files, uploads), and finishing them when every item is final.</summary>
    public static IServiceCollection AddManifests(this IServiceCollection services)
    {
        services.AddSingleton<ManifestReader>();
        services.AddSingleton<ManifestImporter>();
        services.AddSingleton<ManifestSubmission>();
        services.AddSingleton<ManifestFinisher>();
        services.AddSingleton<ManifestUploads>();
        return services;
    }
}
