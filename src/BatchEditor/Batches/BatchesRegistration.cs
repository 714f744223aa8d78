using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Batches;

/// <summary>Registers provider batches.</summary>
public static class BatchesRegistration
{
    /// <summary>The batches' table (the dashboard and `worker --until-idle` read it).</summary>
    public static IServiceCollection AddBatches(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BatchOptions>().Bind(configuration.GetSection("Batches"));
        services.AddSingleton<BatchStore>();
        return services;
    }

    /// <summary>The rounds that create, poll, cancel and read batches (a worker runs them: <c>Engine/BatchRoundsProcess</c>).</summary>
    public static IServiceCollection AddBatchRounds(this IServiceCollection services)
    {
        services.AddSingleton<OpenAiBatcher>();
        return services;
    }
}
