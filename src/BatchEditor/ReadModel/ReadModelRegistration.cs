using Microsoft.EntityFrameworkCore;
using BatchEditor.Totals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace BatchEditor.ReadModel;

/// <summary>Registers the read model.</summary>
public static class ReadModelRegistration
{
    /// <summary>
    /// The read side the CLI, the dashboard and the HTTP API share: the EF Core read model (one DbContext per request,
    /// pooled) and the queries over it and over the running totals.
    /// </summary>
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
        services.AddScoped<SampleSheets>();
        services.TryAddSingleton<RunningTotals>();
        services.AddSingleton<ManifestQueries>();
        services.AddSingleton<PaceQueries>();
        services.AddSingleton<FailureGroups>();
        services.AddSingleton<UsageReport>();
        services.AddSingleton<ResultsExport>();
        return services;
    }
}
