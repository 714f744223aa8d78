using BatchEditor.Jobs;
using Hangfire.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Batches;

/// <summary>Registers provider batches.</summary>
public static class BatchesRegistration
{
    /// <summary>The batches' table (the dashboard and `status` read it).</summary>
    public static IServiceCollection AddBatches(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BatchOptions>().Bind(configuration.GetSection("Batches"));
        services.AddSingleton<BatchStore>();
        return services;
    }

    /// <summary>The rounds that create, poll, cancel and read batches, in a worker's Hangfire server.</summary>
    public static IServiceCollection AddBatchRounds(this IServiceCollection services)
    {
        services.AddSingleton<OpenAiBatcher>();
        services.AddSingleton<IBackgroundProcess, BatchProcess>();
        return services;
    }
}

/// <summary>Runs the <see cref="OpenAiBatcher"/> every <see cref="BatchOptions.Interval"/>, on one worker at a time.</summary>
public sealed class BatchProcess(OpenAiBatcher batcher, NpgsqlDataSource dataSource, IOptions<BatchOptions> options, ILogger<BatchProcess> logger)
    : MaintenanceProcess(options.Value.Interval, logger)
{
    private const long LockKey = 0x42_45_42_61_74_63_68; // "BEBatch"

    protected override string Name => "provider batches";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await using var round = await Persistence.ClusterLock.TryTakeAsync(dataSource, LockKey, ct);
        if (round is not null) await batcher.RunOnceAsync(ct);
    }
}
