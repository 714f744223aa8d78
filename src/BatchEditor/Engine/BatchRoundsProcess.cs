using BatchEditor.Batches;
using BatchEditor.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// Runs the <see cref="OpenAiBatcher"/> every <see cref="BatchOptions.Interval"/> in the worker's Hangfire server, on one worker at a
/// time (a session lock: a round uploads and reads files while it holds it).
/// </summary>
public sealed class BatchRoundsProcess(OpenAiBatcher batcher, NpgsqlDataSource dataSource, IOptions<BatchOptions> batches, IOptions<WorkerOptions> worker,
    ILogger<BatchRoundsProcess> logger) : MaintenanceProcess(batches.Value.Interval, logger)
{
    private const long LockKey = 0x42_45_42_61_74_63_68; // "BEBatch"

    protected override string Name => "provider batches";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await using var round = await Persistence.ClusterLock.TryTakeSessionAsync(dataSource, LockKey, ct);
        if (round is not null) await batcher.RunOnceAsync($"batches@{worker.Value.WorkerName}", ct);
    }
}
