using System.Text.Json;
using BatchEditor.Persistence;
using BatchEditor.Providers;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Items;

/// <summary>
/// What a lease holder does besides changing state: the fenced "about to send" mark, renewing its leases while steps
/// run, and keeping a result that came back after the lease was lost.
/// </summary>
public sealed class Leases(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The fence in front of every submit: succeeds only while the item is still Submitting under this claim's token and
    /// its lease has not lapsed, and then records that the request may leave (on the item, which the rescuer reads, and
    /// on the attempt). It also stretches the lease to a full <paramref name="lease"/> for the call. Send only if true.
    /// </summary>
    public async Task<bool> TryMarkSentAsync(ClaimedItem item, TimeSpan lease, CancellationToken ct) =>
        await DatabaseRetry.RunAsync(async token =>
        {
            await using var cmd = dataSource.CreateCommand(
                $"""
                with item as (
                    update items set submit_sent_at = now(), lease_expires_at = greatest(lease_expires_at, now() + $4), updated_at = now()
                    where id = $1 and state = '{ItemState.Submitting}' and lease_token = $2 and lease_expires_at > now()
                    returning id),
                attempt as (
                    update provider_attempts set sent_at = now() where id = $3 and exists (select 1 from item))
                select count(*) from item
                """);
            cmd.Parameters.AddWithValue(item.Id);
            cmd.Parameters.AddWithValue(item.LeaseToken ?? Guid.Empty);
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)item.AttemptId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            cmd.Parameters.AddWithValue(lease);
            return (long)(await cmd.ExecuteScalarAsync(token))! == 1;
        }, ct);

    /// <summary>Extends every lease this process still holds, in one statement; returns the ids it still holds.</summary>
    public async Task<HashSet<long>> RenewAsync(IReadOnlyCollection<(long Id, Guid Token)> held, TimeSpan lease, CancellationToken ct)
    {
        if (held.Count == 0) return [];
        await using var cmd = dataSource.CreateCommand(
            """
            update items set lease_expires_at = now() + $3
            from unnest($1::bigint[], $2::uuid[]) as t(id, token)
            where items.id = t.id and items.lease_token = t.token
            returning items.id
            """);
        cmd.Parameters.AddWithValue(held.Select(h => h.Id).ToArray());
        cmd.Parameters.AddWithValue(held.Select(h => h.Token).ToArray());
        cmd.Parameters.AddWithValue(lease);
        var kept = new HashSet<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) kept.Add(r.GetInt64(0));
        return kept;
    }

    /// <summary>
    /// A provider's answer that arrived after this worker lost the item: the job (or the outputs of a synchronous
    /// provider) exists and may be billed. It is kept on the attempt so an operator can adopt it instead of paying again.
    /// Returns the reference to adopt it by: the provider's job id, or <c>attempt:{id}</c> when the provider gives none.
    /// </summary>
    public async Task<string> RecordLateResultAsync(long attemptId, LateResult result, CancellationToken ct) =>
        await DatabaseRetry.RunAsync(async token =>
        {
            var reference = result.JobId ?? $"attempt:{attemptId}";
            await using var cmd = dataSource.CreateCommand(
                """
                update provider_attempts set finished_at = coalesce(finished_at, now()), outcome = 'late', provider_job_id = $2,
                    late_result = $3, detail = $4
                where id = $1
                """);
            cmd.Parameters.AddWithValue(attemptId);
            cmd.Parameters.AddWithValue(reference);
            cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(result, LateResult.Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.AddWithValue($"answer arrived after the lease was lost: {result.Summary}");
            await cmd.ExecuteNonQueryAsync(token);
            return reference;
        }, ct);
}

/// <summary>A submit's answer kept for adoption: a job to poll, or outputs (with any inline base64) to copy.</summary>
public sealed record LateResult(string Summary, string? JobId, ProviderJob? Job, IReadOnlyList<OutputRef>? Outputs,
    CostReport? Cost, DateTimeOffset? OutputsExpireAt)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static LateResult? From(SubmitOutcome outcome) => outcome switch
    {
        SubmitOutcome.Accepted a => new($"job {a.Job.JobId} accepted", a.Job.JobId, a.Job, null, a.Cost, a.OutputsExpireAt),
        SubmitOutcome.Completed c => new($"{c.Outputs.Count} output(s) returned", c.JobId, null, c.Outputs, c.Cost, null),
        _ => null,
    };
}
