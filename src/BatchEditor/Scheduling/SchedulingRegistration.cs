using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchEditor.Scheduling;

/// <summary>Registers the schedules.</summary>
public static class SchedulingRegistration
{
    /// <summary>Nightly schedules (Hangfire recurring jobs over the <c>schedules</c> table) and what their fires do.</summary>
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        services.TryAddSingleton<ScheduleStore>();
        services.TryAddSingleton<ScheduleRunner>();
        services.TryAddSingleton<ScheduleControl>();
        services.TryAddTransient<ScheduleJobs>();
        return services;
    }
}
