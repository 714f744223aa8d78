using Hangfire;

namespace BatchEditor.Jobs;

/// <summary>What waits in Hangfire's queues: `worker --until-idle` lets the jobs its batch caused (finishing, webhooks) run before it exits.</summary>
public sealed class JobQueues(JobStorage storage)
{
    /// <summary>
    /// Jobs waiting in <paramref name="queues"/> or taken from them and not done: a job stays in its queue, fetched, until
    /// it ends (counting processing states instead would miss one fetched a moment before its state changes).
    /// </summary>
    public long Busy(params string[] queues)
    {
        var monitoring = storage.GetMonitoringApi();
        return queues.Sum(q => monitoring.EnqueuedCount(q) + monitoring.FetchedCount(q));
    }

    /// <summary>Waits until <see cref="Busy"/> is zero, at most <paramref name="limit"/>; false when it was not.</summary>
    public async Task<bool> WaitUntilIdleAsync(TimeSpan limit, CancellationToken ct, params string[] queues)
    {
        var deadline = DateTime.UtcNow + limit;
        while (Busy(queues) > 0)
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(200, ct);
        }
        return true;
    }
}
