using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

/// <summary>The workers page: processes seen in the last day, running ones first.</summary>
public sealed class WorkerQueries(BatchEditorDb db, TimeProvider clock)
{
    /// <summary>A running worker's heartbeat older than this means the process is gone (killed, host lost).</summary>
    public static readonly TimeSpan Silent = TimeSpan.FromMinutes(1);

    public async Task<List<WorkerRecord>> RecentAsync(CancellationToken ct)
    {
        var day = clock.GetUtcNow().AddDays(-1);
        return await db.Workers.Where(w => w.HeartbeatAt > day)
            .OrderBy(w => w.StoppedAt != null).ThenByDescending(w => w.StartedAt).Take(200).ToListAsync(ct);
    }

    /// <summary>Whether any worker runs now (nothing moves without one).</summary>
    public Task<bool> AnyRunningAsync(CancellationToken ct) => Live().AnyAsync(ct);

    /// <summary>Workers running now: not stopped, and heard from within <see cref="Silent"/>.</summary>
    public Task<List<WorkerRecord>> LiveAsync(CancellationToken ct) => Live().OrderBy(w => w.StartedAt).ToListAsync(ct);

    private IQueryable<WorkerRecord> Live()
    {
        var heard = clock.GetUtcNow() - Silent;
        return db.Workers.Where(w => w.StoppedAt == null && w.HeartbeatAt > heard);
    }
}
