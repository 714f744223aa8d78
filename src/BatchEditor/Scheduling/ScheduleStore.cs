using System.Text.Json;
using BatchEditor.Manifests;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Scheduling;

/// <summary>A nightly import: when <see cref="Cron"/> fires in <see cref="TimeZone"/>, every new CSV in <see cref="Source"/> is submitted.</summary>
public sealed record ScheduleDefinition(string Name, string Cron, string TimeZone, string Source, ManifestDefaults Defaults, ManifestSettings Settings);

/// <summary>A schedule as stored: paused or not, and what its last fire did.</summary>
public sealed record StoredSchedule(ScheduleDefinition Schedule, DateTimeOffset? PausedAt, DateTimeOffset? LastRunAt, string? LastResult)
{
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What a schedule did with one file.</summary>
public sealed record ScheduledFile(string FileName, string Outcome, Guid? ManifestId, string Detail, DateTimeOffset SeenAt);

/// <summary>The <c>schedules</c> and <c>schedule_files</c> tables.</summary>
public sealed class ScheduleStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <returns>False when a schedule of that name exists.</returns>
    public async Task<bool> AddAsync(ScheduleDefinition schedule, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "insert into schedules (name, cron, time_zone, source, defaults, settings) values ($1, $2, $3, $4, $5, $6) on conflict (name) do nothing");
        cmd.Parameters.AddWithValue(schedule.Name);
        cmd.Parameters.AddWithValue(schedule.Cron);
        cmd.Parameters.AddWithValue(schedule.TimeZone);
        cmd.Parameters.AddWithValue(schedule.Source);
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(schedule.Defaults, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(schedule.Settings, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> RemoveAsync(string name, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("delete from schedules where name = $1");
        cmd.Parameters.AddWithValue(name);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<StoredSchedule?> FindAsync(string name, CancellationToken ct) => (await ReadAsync(name, ct)).FirstOrDefault();

    public Task<List<StoredSchedule>> ListAsync(CancellationToken ct) => ReadAsync(null, ct);

    /// <returns>False when there is no such schedule.</returns>
    public async Task<bool> SetPausedAsync(string name, bool paused, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update schedules set paused_at = case when $2 then coalesce(paused_at, now()) end where name = $1");
        cmd.Parameters.AddWithValue(name);
        cmd.Parameters.AddWithValue(paused);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Replaces a schedule's cron (a Quartz expression converted to crontab).</summary>
    public async Task SetCronAsync(string name, string cron, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update schedules set cron = $2 where name = $1");
        cmd.Parameters.AddWithValue(name);
        cmd.Parameters.AddWithValue(cron);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether the schedule has seen a file with this content before (imported, refused or a duplicate).</summary>
    public async Task<bool> SeenAsync(string schedule, string contentHash, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select exists (select from schedule_files where schedule = $1 and content_hash = $2)");
        cmd.Parameters.AddWithValue(schedule);
        cmd.Parameters.AddWithValue(contentHash);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task RecordFileAsync(string schedule, string fileName, string contentHash, string outcome, Guid? manifestId, string detail, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            insert into schedule_files (schedule, file_name, content_hash, outcome, manifest_id, detail) values ($1, $2, $3, $4, $5, $6)
            on conflict (schedule, content_hash) do nothing
            """);
        cmd.Parameters.AddWithValue(schedule);
        cmd.Parameters.AddWithValue(fileName);
        cmd.Parameters.AddWithValue(contentHash);
        cmd.Parameters.AddWithValue(outcome);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)manifestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.AddWithValue(detail);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task RecordRunAsync(string schedule, string result, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update schedules set last_run_at = now(), last_result = $2 where name = $1");
        cmd.Parameters.AddWithValue(schedule);
        cmd.Parameters.AddWithValue(result);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<List<ScheduledFile>> FilesAsync(string schedule, int limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select file_name, outcome, manifest_id, detail, seen_at from schedule_files where schedule = $1 order by id desc limit $2");
        cmd.Parameters.AddWithValue(schedule);
        cmd.Parameters.AddWithValue(limit);
        var files = new List<ScheduledFile>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            files.Add(new(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)));
        return files;
    }

    private async Task<List<StoredSchedule>> ReadAsync(string? name, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            select name, cron, time_zone, source, defaults::text, settings::text, paused_at, last_run_at, last_result, created_at
            from schedules where $1::text is null or name = $1 order by name
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var list = new List<StoredSchedule>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new(new ScheduleDefinition(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
                    JsonSerializer.Deserialize<ManifestDefaults>(r.GetString(4), Json)!, JsonSerializer.Deserialize<ManifestSettings>(r.GetString(5), Json)!),
                Time(r, 6), Time(r, 7), r.IsDBNull(8) ? null : r.GetString(8)) { CreatedAt = r.GetFieldValue<DateTimeOffset>(9) });
        return list;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
