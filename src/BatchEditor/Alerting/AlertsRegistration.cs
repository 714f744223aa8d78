using Hangfire.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Alerting;

/// <summary>Registers alerts.</summary>
public static class AlertsRegistration
{
    /// <summary>What reads alerts (the dashboard, the API) and delivers their digests (Hangfire jobs).</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection("Alerts"));
        services.AddSingleton<AlertStore>();
        services.AddSingleton<AlertConditions>();
        services.AddTransient<AlertDelivery>();
        services.AddHttpClient(AlertDelivery.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Downloads.OutboundGuard>().CreateHandler([]));
        return services;
    }

    /// <summary>The evaluation rounds, in a worker's Hangfire server.</summary>
    public static IServiceCollection AddAlertEvaluation(this IServiceCollection services)
    {
        services.AddSingleton<AlertEvaluator>();
        services.AddSingleton<IBackgroundProcess, AlertProcess>();
        return services;
    }
}
