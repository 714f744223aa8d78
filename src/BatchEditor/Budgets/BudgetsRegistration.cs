using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Budgets;

/// <summary>Registers budgets.</summary>
public static class BudgetsRegistration
{
    /// <summary>Manifest and provider budgets: the guard inside the submission claim, and the operator's budget settings.</summary>
    public static IServiceCollection AddBudgets(this IServiceCollection services)
    {
        services.AddSingleton<BudgetGuard>();
        services.AddSingleton<ManifestBudgets>();
        return services;
    }
}
