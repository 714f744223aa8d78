using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace BatchEditor.ReadModel;

/// <summary>Registers the read model.</summary>
public static class ReadModelRegistration
{
    /// <summary>The EF Core read model and the queries of the dashboard and the HTTP API (one DbContext per request, pooled).</summary>
    public static IServiceCollection AddReadModel(this IServiceCollection services)
    {
        services.AddDbContextPool<BatchEditorDb>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));
        services.AddOptions<SearchOptions>().BindConfiguration("Dashboard:Search").ValidateDataAnnotations();
        services.AddScoped<ItemSearch>();
        services.AddScoped<ItemDetails>();
        services.AddScoped<ManifestSummaries>();
        services.AddScoped<OverviewQueries>();
        services.AddScoped<ProviderHealthQueries>();
        services.AddScoped<WorkerQueries>();
        return services;
    }
}
