using BatchEditor.Items;
using Npgsql;
using Quartz;

namespace BatchEditor.Engine;

/// <summary>
/// Handles Submitting items whose worker vanished (lease lapsed). Running and Copying items need no rescue:
/// their steps are idempotent and the claim takes them again once the lease has lapsed.
/// </summary>
public sealed class LeaseRescuer(NpgsqlDataSource dataSource, ItemTransitions transitions)
{
    public sealed record Result(int Requeued, int NeedReview);

    public async Task<Result> RescueAsync(string actor, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            select i.id, i.lease_owner, a.sent_at is not null
            from items i
            left join lateral (select sent_at from provider_attempts where item_id = i.id order by id desc limit 1) a on true
            where i.state = 'Submitting' and i.lease_expires_at < now()
            limit 1000
            """);
        var lapsed = new List<(long Id, string Owner, bool Sent)>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) lapsed.Add((r.GetInt64(0), r.IsDBNull(1) ? "?" : r.GetString(1), r.GetBoolean(2)));

        int requeued = 0, review = 0;
        foreach (var (id, owner, sent) in lapsed)
        {
            // Guarded on the lapsed lease: if the worker came back and finished meanwhile, this matches nothing.
            if (sent ? await transitions.RescueInFlight(id, actor, owner, ct) : await transitions.RescueUnsent(id, actor, ct))
                _ = sent ? review++ : requeued++;
        }
        return new Result(requeued, review);
    }
}

/// <summary>The rescuer as a clustered Quartz job: one node runs it at a time.</summary>
[DisallowConcurrentExecution]
public sealed class RescueLeasesJob(LeaseRescuer rescuer, EngineLog log) : IJob
{
    public static readonly JobKey Key = new("rescue-leases", "maintenance");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var result = await rescuer.RescueAsync($"rescuer@{context.Scheduler.SchedulerInstanceId}", cancellationToken);
        if (result.Requeued + result.NeedReview > 0) log.Rescued(result.Requeued, result.NeedReview);
    }
}
