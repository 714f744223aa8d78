using BatchEditor.Items;
using BatchEditor.Jobs;
using Hangfire;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BatchEditor.Manifests;

/// <summary>
/// A manifest is finished when every item is final. Every <see cref="Interval"/> each worker looks for manifests that
/// became so and enqueues one <see cref="FinishAsync"/> job each (claimed by a guarded update, so one worker does); the
/// job records the finish and enqueues the completion webhook. An item retried later starts the manifest over.
/// </summary>
public sealed partial class ManifestFinisher(NpgsqlDataSource dataSource, IBackgroundJobClient jobs, ILogger<ManifestFinisher> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    // A claimed manifest whose job was never enqueued (the process died in between) is claimed again after this.
    private static readonly TimeSpan ClaimExpiry = TimeSpan.FromMinutes(10);

    private static readonly string NotFinal = string.Join(", ", Enum.GetValues<ItemState>().Where(s => !s.IsFinal()).Select(s => $"'{s}'"));

    /// <summary>Enqueues the finishing job of every manifest that just became finished; returns how many.</summary>
    public async Task<int> EnqueueFinishedAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            update manifests m set finish_enqueued_at = now()
            where m.finished_at is null and (m.finish_enqueued_at is null or m.finish_enqueued_at < now() - $1)
              -- every item final, from the running totals (folded or not): a few rows per manifest
              and not exists (
                  select 1 from (select state, items from item_state_totals t where t.manifest_id = m.id
                                 union all
                                 select state, items from item_state_deltas d where d.manifest_id = m.id) c
                  where c.state in ({NotFinal}) group by c.state having sum(c.items) <> 0)
            returning m.id
            """);
        cmd.Parameters.AddWithValue(ClaimExpiry);
        var finished = new List<Guid>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) finished.Add(r.GetGuid(0));
        foreach (var id in finished) jobs.Enqueue<ManifestFinisher>(f => f.FinishAsync(id, CancellationToken.None));
        return finished.Count;
    }

    /// <summary>
    /// The finishing job: records the finish (once, however often it runs) and enqueues the manifest's webhook delivery.
    /// A manifest whose items were retried meanwhile is not finished: it is left for a later round.
    /// </summary>
    [Queue(Queues.Maintenance)]
    [JobDisplayName("Finish manifest {0}")]
    public async Task FinishAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"""
            update manifests m set finished_at = now()
            where m.id = $1 and m.finished_at is null
              and not exists (select 1 from items i where i.manifest_id = m.id and i.state in ({NotFinal}))
            returning m.name, exists (select 1 from webhooks w where w.manifest_id = m.id and w.state = 'waiting')
            """);
        cmd.Parameters.AddWithValue(manifestId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            await r.DisposeAsync();
            await ReleaseClaimAsync(manifestId, ct); // retried meanwhile, or finished by another run of this job
            return;
        }
        var (name, webhook) = (r.GetString(0), r.GetBoolean(1));
        LogFinished(manifestId, name);
        if (webhook) jobs.Enqueue<Webhooks.WebhookJobs>(w => w.DeliverAsync(manifestId, CancellationToken.None));
    }

    /// <summary>Starts a manifest over after an operator made its items active again (a retry).</summary>
    public async Task ReopenAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update manifests set finished_at = null, finish_enqueued_at = null where id = $1");
        cmd.Parameters.AddWithValue(manifestId);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task ReleaseClaimAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update manifests set finish_enqueued_at = null where id = $1 and finished_at is null");
        cmd.Parameters.AddWithValue(manifestId);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(LogLevel.Information, "Manifest {ManifestId} ({Name}) finished: every item is final")]
    private partial void LogFinished(Guid manifestId, string name);
}

/// <summary>Runs <see cref="ManifestFinisher.EnqueueFinishedAsync"/> in every worker's Hangfire server.</summary>
public sealed class ManifestFinishProcess(ManifestFinisher finisher, ILogger<ManifestFinishProcess> logger) : MaintenanceProcess(ManifestFinisher.Interval, logger)
{
    protected override string Name => "manifest finishing";

    protected override Task RunOnceAsync(CancellationToken ct) => finisher.EnqueueFinishedAsync(ct);
}
