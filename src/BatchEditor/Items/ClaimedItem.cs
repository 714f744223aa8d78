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

    /// <summary>The item's route (<c>provider:model</c> choices in order), or null when it has one provider.</summary>
    public string[]? Route { get; init; }

    public ProviderJob? Job => ProviderJobId is not null && StatusUrl is not null ? new(ProviderJobId, StatusUrl, Request.Model, ResultUrl) : null;

    /// <summary>The columns <see cref="Read"/> reads, by name, from <c>items i</c>.</summary>
    internal const string Columns =
        "i.id, i.manifest_id, (select m.name from manifests m where m.id = i.manifest_id) as manifest_name, i.row_id, i.state, i.provider, " +
        "i.model, i.prompt, i.image_urls, i.mask_url, i.size, i.quality, i.n, i.output_format, i.provider_job_id, " +
        "i.status_url, i.submit_attempts, i.poll_count, i.copy_attempts, i.submitted_at, i.result_url, i.lease_token, " +
        "i.run, i.retrying_since, i.outputs_expire_at, i.last_polled_at, i.route, clock_timestamp() as database_time";

    /// <summary>Reads a row of <see cref="Columns"/>, plus <c>attempt_id</c> when the statement returns one.</summary>
    internal static ClaimedItem Read(NpgsqlDataReader reader)
    {
        var r = new RowReader(reader);
        return new(
            r.Get<long>("id"), r.Get<Guid>("manifest_id"), r.Get<string>("manifest_name"), r.Get<string>("row_id"),
            Enum.Parse<ItemState>(r.Get<string>("state")), r.Get<string>("provider"),
            EditRequests.Read(r),
            r.Text("provider_job_id"), r.Text("status_url"), r.Get<int>("submit_attempts"), r.Get<int>("poll_count"), r.Get<int>("copy_attempts"),
            r.Time("submitted_at"), r.Has("attempt_id") ? r.Nullable<long>("attempt_id") : null, r.Text("result_url"), r.Nullable<Guid>("lease_token"),
            r.Get<int>("run"), r.Time("retrying_since"), r.Time("outputs_expire_at"), r.Time("last_polled_at"))
        {
            DatabaseTime = r.Get<DateTimeOffset>("database_time"),
            Route = r.Texts("route"),
        };
    }
}

/// <summary>The edit an <c>items</c> row asks for, read the one way every statement that needs it does.</summary>
internal static class EditRequests
{
    /// <summary>The columns <see cref="Read"/> reads, from <c>items i</c>.</summary>
    public const string Columns = "i.row_id, i.model, i.prompt, i.image_urls, i.mask_url, i.size, i.quality, i.n, i.output_format";

    public static EditRequest Read(RowReader r) => new(
        r.Get<string>("row_id"), r.Get<string>("model"), r.Get<string>("prompt"), r.Get<string[]>("image_urls"), r.Text("mask_url"),
        r.Text("size"), r.Text("quality"), r.Get<int>("n"), r.Text("output_format"));
}

/// <summary>Reads a row's columns by name, so a statement's column order is never a reader's concern.</summary>
internal readonly struct RowReader(NpgsqlDataReader reader)
{
    public T Get<T>(string column) => reader.GetFieldValue<T>(reader.GetOrdinal(column));

    public T? Nullable<T>(string column) where T : struct
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : reader.GetFieldValue<T>(i);
    }

    public string? Text(string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : reader.GetString(i);
    }

    public DateTimeOffset? Time(string column) => Nullable<DateTimeOffset>(column);

    public string[]? Texts(string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : reader.GetFieldValue<string[]>(i);
    }

    public bool Has(string column)
    {
        for (var i = 0; i < reader.FieldCount; i++)
            if (reader.GetName(i) == column) return true;
        return false;
    }
}
