using System.Data;
using System.Text.Json;
using BatchEditor.Jobs;
using Hangfire;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Manifests;

/// <summary>How an uploaded manifest is to be imported: what `submit` takes on its command line.</summary>
public sealed record UploadRequest(ManifestDefaults Defaults, string? Name, bool Force, bool SkipInvalid, ManifestSettings Settings);

/// <summary>Where an upload is: queued, or its outcome (imported, refused with its problems, a duplicate).</summary>
/// <param name="AboutTheRequest">Refused for what the request asked (an unknown provider, one without a key here), not for the file's rows.</param>
public sealed record UploadStatus(Guid Id, string FileName, string State, Guid? ManifestId, string? ManifestName, int Items, IReadOnlyList<string> Problems,
    int ProblemCount, int RowCount, string? DuplicateOf, bool AboutTheRequest, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, int RowsWithProblems = 0)
{
    public bool Finished => State != ManifestUploads.Queued;

    /// <summary>"3 problems on 2 of 24 rows".</summary>
    public string ProblemSummary => ReadReport.Summary(ProblemCount, RowsWithProblems, RowCount);
}

/// <summary>
/// Manifests uploaded over the HTTP API: the file is stored in PostgreSQL as it arrives (from a seekable stream, so
/// nothing holds it in memory), then imported by a Hangfire job on a worker (<see cref="ImportAsync"/>), visible with
/// its file name, retries and outcome; the outcome stays on the upload for the API to report.
/// </summary>
public sealed class ManifestUploads(NpgsqlDataSource dataSource, ManifestSubmission submission, IBackgroundJobClient jobs)
{
    public const string Queued = "queued";

    /// <summary>How long an import's outcome stays answerable at <c>GET /api/imports/{id}</c> (the file itself goes when it is imported).</summary>
    public static readonly TimeSpan KeepFinished = TimeSpan.FromDays(30);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Outcome(string? ManifestName, int Items, IReadOnlyList<string> Problems, int ProblemCount, int RowCount, string? DuplicateOf,
        bool AboutTheRequest = false, int RowsWithProblems = 0);

    /// <summary>Stores the upload and enqueues its import; returns its id.</summary>
    /// <param name="content">A seekable stream (a file the upload was buffered to): PostgreSQL takes it as it is read.</param>
    public async Task<Guid> StoreAsync(Stream content, string fileName, UploadRequest request, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using (var cmd = dataSource.CreateCommand("insert into manifest_uploads (id, file_name, request, content) values ($1, $2, $3, $4)"))
        {
            cmd.Parameters.AddWithValue(id);
            cmd.Parameters.AddWithValue(fileName);
            cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(request, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new NpgsqlParameter { Value = content, NpgsqlDbType = NpgsqlDbType.Bytea });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        jobs.Enqueue<ManifestUploads>(u => u.ImportAsync(id, fileName, CancellationToken.None));
        return id;
    }

    /// <summary>
    /// The import job. Idempotent: an upload already imported (the manifest records it, in the import's own transaction)
    /// is only recorded; a transient fault fails the job, which Hangfire retries.
    /// </summary>
    [Queue(Queues.Imports)]
    [JobDisplayName("Import upload {1}")]
    [AutomaticRetry(Attempts = 5)]
    public async Task<string> ImportAsync(Guid uploadId, string fileName, CancellationToken ct)
    {
        if (await StatusAsync(uploadId, ct) is not { } status) return "no such upload (deleted)";
        if (status.Finished) return $"already {status.State}";
        if (await ImportedAsAsync(uploadId, ct) is { } earlier)
            return await RecordAsync(uploadId, "imported", earlier.Id, new(earlier.Name, earlier.Items, [], 0, earlier.Items, null), ct);
        var request = await RequestAsync(uploadId, ct);
        var result = await submission.SubmitAsync(new ManifestSubmission.Request(() => OpenContent(uploadId), $"upload:{fileName}", request.Defaults,
            request.Name, request.Force, request.SkipInvalid, request.Settings, uploadId), ct);
        var problems = result.Errors.Select(e => e.ToString()).ToList();
        return result switch
        {
            { Imported: { } imported } => await RecordAsync(uploadId, "imported", imported.Id, new(imported.Name, imported.Items, problems, result.ProblemCount, result.RowCount, null), ct),
            { DuplicateOf: { } existing } => await RecordAsync(uploadId, "duplicate", null, new(null, 0, [], 0, 0, existing), ct),
            { NameTaken: { } taken } => await RecordAsync(uploadId, "refused", null, new(null, 0, [taken], 1, 0, null, true), ct),
            _ => await RecordAsync(uploadId, "refused", null, new(null, 0, problems, result.ProblemCount, result.RowCount, null,
                result.Errors is [{ AboutTheCommand: true }], result.RowsWithProblems), ct),
        };
    }

    public async Task<UploadStatus?> StatusAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "select u.id, u.file_name, u.state, u.manifest_id, u.result::text, u.created_at, u.finished_at from manifest_uploads u where u.id = $1");
        cmd.Parameters.AddWithValue(id);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        var outcome = r.IsDBNull(4) ? new Outcome(null, 0, [], 0, 0, null) : JsonSerializer.Deserialize<Outcome>(r.GetString(4), Json)!;
        return new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3), outcome.ManifestName, outcome.Items, outcome.Problems,
            outcome.ProblemCount, outcome.RowCount, outcome.DuplicateOf, outcome.AboutTheRequest, r.GetFieldValue<DateTimeOffset>(5),
            r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), outcome.RowsWithProblems);
    }

    /// <summary>The upload's status once it is imported (or refused), or as it is after <paramref name="wait"/>.</summary>
    public async Task<UploadStatus?> WaitAsync(Guid id, TimeSpan wait, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var status = await StatusAsync(id, ct);
            if (status is null or { Finished: true } || DateTime.UtcNow >= deadline) return status;
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Forgets uploads finished more than <see cref="KeepFinished"/> ago; one still queued is never dropped.</summary>
    public async Task<int> ForgetFinishedAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("delete from manifest_uploads where state <> 'queued' and finished_at < now() - $1");
        cmd.Parameters.AddWithValue(KeepFinished);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<string> RecordAsync(Guid id, string state, Guid? manifestId, Outcome outcome, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "update manifest_uploads set state = $2, manifest_id = $3, result = $4, content = null, finished_at = now() where id = $1 and state = 'queued'");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(state);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)manifestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(outcome, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync(ct);
        return state switch
        {
            "imported" => $"imported as manifest {outcome.ManifestName}: {outcome.Items} item(s)",
            "duplicate" => $"already imported as manifest {outcome.DuplicateOf}",
            _ => $"refused: {ReadReport.Summary(outcome.ProblemCount, outcome.RowsWithProblems, outcome.RowCount)}",
        };
    }

    private async Task<(Guid Id, string Name, int Items)?> ImportedAsAsync(Guid uploadId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select id, name, item_count from manifests where upload_id = $1");
        cmd.Parameters.AddWithValue(uploadId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetGuid(0), r.GetString(1), r.GetInt32(2)) : null;
    }

    private async Task<UploadRequest> RequestAsync(Guid uploadId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select request::text from manifest_uploads where id = $1");
        cmd.Parameters.AddWithValue(uploadId);
        return JsonSerializer.Deserialize<UploadRequest>((string)(await cmd.ExecuteScalarAsync(ct))!, Json)!;
    }

    /// <summary>The stored file as a stream read from PostgreSQL as it is consumed (its connection closes with it).</summary>
    private Stream OpenContent(Guid uploadId)
    {
        var conn = dataSource.OpenConnection();
        try
        {
            var cmd = new NpgsqlCommand("select content from manifest_uploads where id = $1", conn);
            cmd.Parameters.AddWithValue(uploadId);
            var reader = cmd.ExecuteReader(CommandBehavior.SequentialAccess | CommandBehavior.CloseConnection);
            if (!reader.Read() || reader.IsDBNull(0)) throw new InvalidOperationException($"upload {uploadId} holds no file any more");
            return new OwningStream(reader.GetStream(0), reader, cmd);
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>A stream that disposes what it was read through.</summary>
    private sealed class OwningStream(Stream inner, params IDisposable[] owned) : Downloads.ForwardOnlyStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                foreach (var o in owned) o.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Runs <see cref="ManifestUploads.ForgetFinishedAsync"/> hourly in every worker's Hangfire server.</summary>
public sealed class UploadRetentionProcess(ManifestUploads uploads, ILogger<UploadRetentionProcess> logger) : MaintenanceProcess(TimeSpan.FromHours(1), logger)
{
    protected override string Name => "upload retention";

    protected override Task RunOnceAsync(CancellationToken ct) => uploads.ForgetFinishedAsync(ct);
}
