using BatchEditor.Storage.AzureBlob;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchEditor.Storage;

/// <summary>Registers the output store.</summary>
public static class StorageRegistration
{
    /// <summary>The output store (file system or Azure Blob, from <c>Storage__Kind</c>), the copier and its guarded HTTP client.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection("Storage")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FileSystemBlobStore>();
        // The account of Storage__ConnectionString or Storage__AccountUrl, for the output store and blob schedule sources alike.
        services.AddSingleton(sp => AzureBlobAccount.From(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<AzureBlobStore>();
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Kind == StorageOptions.AzureBlob
            ? sp.GetRequiredService<AzureBlobStore>()
            : sp.GetRequiredService<FileSystemBlobStore>());
        services.AddSingleton<OutputCopier>();
        services.AddSingleton<Thumbnails>();
        services.AddHttpClient(OutputCopier.HttpClientName, http => http.Timeout = TimeSpan.FromMinutes(4))
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<BatchEditor.Downloads.OutboundGuard>().CreateHandler([]));
        return services;
    }
}
