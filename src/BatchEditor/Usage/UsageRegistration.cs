using BatchEditor.Totals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchEditor.Usage;

/// <summary>Registers the CLI read side.</summary>
public static class UsageRegistration
{
    /// <summary>The CLI's read side: manifests, results, the ledger and the usage report, over the running totals.</summary>
    public static IServiceCollection AddUsage(this IServiceCollection services)
    {
        services.TryAddSingleton<RunningTotals>();
        services.AddSingleton<ManifestQueries>();
        services.AddSingleton<LedgerQueries>();
        services.AddSingleton<UsageReport>();
        services.AddSingleton<ResultsExport>();
        return services;
    }
}
