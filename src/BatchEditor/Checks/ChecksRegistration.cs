using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Checks;

/// <summary>Registers the output checks.</summary>
public static class ChecksRegistration
{
    /// <summary>The checks every stored output passes before its item counts as Succeeded (<c>Checks__…</c>).</summary>
    public static IServiceCollection AddChecks(this IServiceCollection services)
    {
        services.AddOptions<CheckOptions>().BindConfiguration("Checks").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutputChecks>();
        return services;
    }
}
