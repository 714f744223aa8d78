using BatchEditor.Providers;
using Npgsql;

namespace BatchEditor.Items;

/// <summary>
/// An item a worker holds under a lease, with everything its next step needs. <see cref="LeaseToken"/> is new for
/// every claim: the holder's writes are guarded on it, so they match nothing once the item was taken from it.
/// <see cref="Now"/> is the database's time, not this machine's: every decision a step makes about time (has an output
/// expired, has a job run too long, has a refusal lasted past the retry window) uses it, so a worker whose clock is off
/// decides as every other worker does.
/// </summary>
public sealed record ClaimedItem(
    long Id, Guid ManifestId, string ManifestName, string RowId, ItemState State, string Provider,
    EditRequest Request, string? ProviderJobId, string? StatusUrl, int SubmitAttempts, int PollCount,
    int CopyAttempts, DateTimeOffset? SubmittedAt, long? AttemptId, string? ResultUrl, Guid? LeaseToken,
    int Run, DateTimeOffset? RetryingSince, DateTimeOffset? OutputsExpireAt, DateTimeOffset? LastPolledAt = null)
{
    /// <summary>The database's clock when the item was read.</summary>
    public DateTimeOffset DatabaseTime { get; init; }

    /// <summary>When it was read, on this machine's monotonic clock.</summary>
    public long ReadAt { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The database's time now: its time at the claim, advanced by this machine's monotonic clock since.</summary>
    public DateTimeOffset Now() => DatabaseTime + System.Diagnostics.Stopwatch.GetElapsedTime(ReadAt);

    /// <summary>The column list every claim statement returns, in the order <see cref="Read"/> expects.</summary>
    public const string Columns =
        "i.id, i.manifest_id, (select m.name from manifests m where m.id = i.manifest_id), i.row_id, i.state, i.provider, " +
        "i.model, i.prompt, i.image_urls, i.mask_url, i.size, i.quality, i.n, i.output_format, i.provider_job_id, " +
        "i.status_url, i.submit_attempts, i.poll_count, i.copy_attempts, i.submitted_at, i.result_url, i.lease_token, " +
        "i.run, i.retrying_since, i.outputs_expire_at, i.last_polled_at, clock_timestamp()";

    public ProviderJob? Job => ProviderJobId is not null && StatusUrl is not null ? new(ProviderJobId, StatusUrl, Request.Model, ResultUrl) : null;

    public static ClaimedItem Read(NpgsqlDataReader r, long? attemptId = null) => new(
        r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), Enum.Parse<ItemState>(r.GetString(4)), r.GetString(5),
        new EditRequest(r.GetString(3), r.GetString(6), r.GetString(7), r.GetFieldValue<string[]>(8),
            Nullable(r, 9), Nullable(r, 10), Nullable(r, 11), r.GetInt32(12), Nullable(r, 13)),
        Nullable(r, 14), Nullable(r, 15), r.GetInt32(16), r.GetInt32(17), r.GetInt32(18),
        Time(r, 19), attemptId, Nullable(r, 20), r.IsDBNull(21) ? null : r.GetGuid(21),
        r.GetInt32(22), Time(r, 23), Time(r, 24), Time(r, 25)) { DatabaseTime = r.GetFieldValue<DateTimeOffset>(26) };

    private static string? Nullable(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
