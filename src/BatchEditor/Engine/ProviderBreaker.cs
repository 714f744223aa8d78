using System.Collections.Concurrent;
using System.Diagnostics;
using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// A circuit breaker per provider, shared by every worker through the <c>provider_breakers</c> table. Consecutive
/// submit failures (5xx, timeouts, refused connections: the faults that would otherwise park item after item in
/// NeedsReview) open it for <see cref="ProviderSettings.BreakerCooldown"/>: no submit is claimed for that provider. Then
/// the claim lets one probe through; its success closes the breaker, its failure opens it again.
/// </summary>
/// <remarks>
/// Copies are watched too: when copies of one provider's outputs fail for one cause of ours, item after item (the outbound
/// guard refuses the output's address, the store refuses or is down), new submissions to that provider are paused until
/// a copy succeeds again, instead of paying for outputs that cannot be stored.
/// </remarks>
public sealed class ProviderBreaker(NpgsqlDataSource dataSource, Providers.ProviderPauses pauses, EngineLog log)
{
    /// <summary>Who a pause for failing copies is recorded under; the first copy that succeeds lifts it.</summary>
    public const string CopyPauseActor = "copy failures";

    /// <summary>How long a look that found no copy failures on record stands for the copies that succeed after it.</summary>
    public static readonly TimeSpan CopyQuietWindow = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, long> _copiesQuietSince = new();

    /// <summary>
    /// Inside the claim's transaction (under its lock): slots each provider's breaker allows now, null = no limit.
    /// A breaker whose cool-down is over allows one probe, and is re-armed so no second probe follows it.
    /// </summary>
    public static async Task<Dictionary<string, int>> LimitsAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<(string Name, ProviderSettings Settings)> providers, CancellationToken ct)
    {
        var limits = new Dictionary<string, int>();
        var cooled = new List<string>();
        await using (var cmd = new NpgsqlCommand("select provider, open_until > now() from provider_breakers where open_until is not null", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                limits[r.GetString(0)] = r.GetBoolean(1) ? 0 : 1;
                if (!r.GetBoolean(1)) cooled.Add(r.GetString(0));
            }
        foreach (var (name, settings) in providers.Where(p => cooled.Contains(p.Name)))
        {
            await using var arm = new NpgsqlCommand("update provider_breakers set open_until = now() + $2 where provider = $1", conn, tx);
            arm.Parameters.AddWithValue(name);
            arm.Parameters.AddWithValue(settings.BreakerCooldown);
            await arm.ExecuteNonQueryAsync(ct);
        }
        return limits;
    }

    private const string Open = "select provider from provider_breakers where open_until > now()";

    /// <summary>The providers whose circuit breaker is open now.</summary>
    public async Task<List<string>> OpenAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Open);
        var open = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) open.Add(reader.GetString(0));
        return open;
    }

    /// <summary>Counts a submit's outcome: a failure that says the provider is down, or an answer that says it is up.</summary>
    public async Task RecordAsync(string provider, ProviderSettings settings, SubmitOutcome outcome, CancellationToken ct)
    {
        if (outcome is SubmitOutcome.NotSent) return;
        var down = outcome switch
        {
            SubmitOutcome.Ambiguous a => a.Reason,
            SubmitOutcome.Rejected { Retryable: true, HttpStatus: null or >= 500 } r => r.Reason,
            _ => null,
        };
        try
        {
            if (down is null) await SucceededAsync(provider, ct);
            else await FailedAsync(provider, settings, down, ct);
        }
        catch (NpgsqlException e)
        {
            log.BreakerUpdateFailed(e, provider); // the breaker is advisory: never fail a step over it
        }
    }

    private async Task FailedAsync(string provider, ProviderSettings settings, string reason, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            insert into provider_breakers as b (provider, consecutive_failures, last_failure) values ($1, 1, $2)
            on conflict (provider) do update set
                consecutive_failures = b.consecutive_failures + 1, last_failure = $2, updated_at = now(),
                opened_at = case when b.consecutive_failures + 1 >= $3 then coalesce(b.opened_at, now()) else b.opened_at end,
                open_until = case when b.consecutive_failures + 1 >= $3 then now() + $4 else b.open_until end
            returning consecutive_failures, b.opened_at = now()
            """);
        cmd.Parameters.AddWithValue(provider);
        cmd.Parameters.AddWithValue(reason.Length > 500 ? reason[..500] : reason);
        cmd.Parameters.AddWithValue(settings.BreakerFailures);
        cmd.Parameters.AddWithValue(settings.BreakerCooldown);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (await r.ReadAsync(ct) && !r.IsDBNull(1) && r.GetBoolean(1)) log.BreakerOpened(provider, r.GetInt32(0), settings.BreakerCooldown, reason);
    }

    private async Task SucceededAsync(string provider, CancellationToken ct)
    {
        // Matches (and writes) nothing in the common case: no failures on record. "Closed" is logged only for a breaker that
        // had opened (and said so): a failure count going back to zero is not news.
        await using var cmd = dataSource.CreateCommand(
            """
            update provider_breakers b set consecutive_failures = 0, opened_at = null, open_until = null, updated_at = now()
            from (select provider, opened_at from provider_breakers where provider = $1 for update) old
            where b.provider = old.provider and (b.consecutive_failures > 0 or b.open_until is not null)
            returning old.opened_at is not null
            """);
        cmd.Parameters.AddWithValue(provider);
        if (await cmd.ExecuteScalarAsync(ct) is true) log.BreakerClosed(provider);
    }

    /// <summary>
    /// A copy failed for <paramref name="cause"/>, a fault on our side. The same cause <paramref name="threshold"/> times in
    /// a row (across items and workers) pauses new submissions to the provider, with the reason on the dashboard.
    /// </summary>
    public async Task CopyFailedAsync(string provider, string cause, string reason, int threshold, CancellationToken ct)
    {
        _copiesQuietSince.TryRemove(provider, out _);
        try
        {
            await using var cmd = dataSource.CreateCommand(
                """
                insert into provider_breakers as b (provider, copy_failures, copy_failure) values ($1, 1, $2)
                on conflict (provider) do update set
                    copy_failures = case when b.copy_failure = $2 then b.copy_failures + 1 else 1 end, copy_failure = $2, updated_at = now()
                returning copy_failures
                """);
            cmd.Parameters.AddWithValue(provider);
            cmd.Parameters.AddWithValue(cause);
            var failures = (int)(await cmd.ExecuteScalarAsync(ct))!;
            if (failures < threshold) return;
            var why = $"{failures} copies of {provider}'s outputs in a row failed ({cause}): {reason}. Nothing more is submitted to {provider} " +
                      "until outputs can be stored: fix the cause, then `batch-editor retry <manifest>` copies the outputs already paid for again " +
                      "(submissions resume with the first copy that succeeds), or resume the provider";
            if (await pauses.PauseAsync(provider, CopyPauseActor, why, ct)) log.CopiesPausedProvider(provider, failures, cause, reason);
        }
        catch (NpgsqlException e)
        {
            log.BreakerUpdateFailed(e, provider); // advisory, like the breaker
        }
    }

    /// <summary>
    /// A copy of the provider's output succeeded: failures are forgotten and a pause they caused is lifted. When the last
    /// look found nothing to forget, less than <see cref="CopyQuietWindow"/> ago, and no copy of this worker failed since,
    /// nothing is asked: a transaction per item saved (B2) for a reset at most that much later for failures another worker
    /// recorded meanwhile.
    /// </summary>
    public async Task CopySucceededAsync(string provider, CancellationToken ct)
    {
        if (_copiesQuietSince.TryGetValue(provider, out var since) && Stopwatch.GetElapsedTime(since) < CopyQuietWindow) return;
        try
        {
            var looked = Stopwatch.GetTimestamp();
            await using var cmd = dataSource.CreateCommand(
                $"""
                with reset as (
                    update provider_breakers set copy_failures = 0, copy_failure = null, updated_at = now()
                    where provider = $1 and copy_failures > 0 returning 1),
                lifted as (
                    delete from provider_pauses where provider = $1 and paused_by = $2 returning 1),
                notified as (
                    select pg_notify('{Items.NewWork.Channel}', '') from lifted)
                select (select count(*) from reset), (select count(*) from notified)
                """);
            cmd.Parameters.AddWithValue(provider);
            cmd.Parameters.AddWithValue(CopyPauseActor);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            var (reset, lifted) = (r.GetInt64(0), r.GetInt64(1));
            if (lifted > 0) log.CopiesResumedProvider(provider);
            if (reset == 0 && lifted == 0) _copiesQuietSince[provider] = looked;
        }
        catch (NpgsqlException e)
        {
            log.BreakerUpdateFailed(e, provider);
        }
    }
}
