using BatchEditor.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Webhooks;

/// <summary>Registers the completion webhooks.</summary>
public static class WebhooksRegistration
{
    /// <summary>Completion webhooks: options, the store, the delivery job, its retry policy and the HTTP client it posts with.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection("Webhooks")).ValidateDataAnnotations();
        services.AddSingleton<WebhookStore>();
        services.AddTransient<WebhookJobs>();
        services.AddSingleton<JobFilters, WebhookRetry>();
        services.AddHttpClient(WebhookJobs.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Downloads.OutboundGuard>().CreateHandler([]));
        return services;
    }
}
