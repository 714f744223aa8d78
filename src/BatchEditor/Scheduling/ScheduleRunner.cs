using System.Security.Cryptography;
using BatchEditor.Manifests;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Scheduling;

/// <summary>
/// What a schedule's fire does, in two parts: <see cref="NewFilesAsync"/> finds every <c>*.csv</c> in its source
/// (<see cref="ScheduleSource"/>) whose content it has not seen, and <see cref="ImportAsync"/> submits one, as
/// <c>submit</c> would, with the schedule's defaults and settings, and records its outcome (imported with its manifest,
/// refused with its problems, or a duplicate of a manifest imported otherwise). A file is imported once per content,
/// whatever its name, and an import interrupted between import and record finds the manifest the next time (the import
/// refuses the same content twice) and records it then. On the workers each part is a Hangfire job
/// (<see cref="ScheduleJobs"/>); `schedule run-now` runs both in its own process.
/// </summary>
public sealed partial class ScheduleRunner(ScheduleStore store, ManifestSubmission submission, IServiceProvider services, ILogger<ScheduleRunner> logger)
{
    public sealed record FileOutcome(string File, string Outcome, string Detail);

    /// <summary>A file not seen yet, with the hash of its content when it was listed.</summary>
    public sealed record NewFile(string Name, string ContentHash);

    /// <summary>The source's files this schedule has not seen (by content); null when there is no such schedule.</summary>
    /// <exception cref="ScheduleSourceException">The source cannot be read (recorded as the fire's result).</exception>
    public async Task<List<NewFile>?> NewFilesAsync(string name, CancellationToken ct)
    {
        if (await store.FindAsync(name, ct) is not { } stored) return null;
        var source = ScheduleSource.Open(stored.Schedule.Source, services);
        var found = new List<NewFile>();
        try
        {
            foreach (var file in await source.ListAsync(ct))
            {
                string hash;
                await using (var content = await source.OpenAsync(file, ct)) hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
                if (!await store.SeenAsync(name, hash, ct)) found.Add(new(file, hash));
            }
        }
        catch (Exception e) when (e is IOException or Azure.RequestFailedException or AggregateException or InvalidOperationException or FormatException)
        {
            await store.RecordRunAsync(name, $"cannot read {source.Describe}: {e.Message}", ct);
            LogSourceUnreadable(name, source.Describe, e.Message);
            throw new ScheduleSourceException($"cannot read {source.Describe}: {e.Message}", e);
        }
        if (found.Count == 0) await store.RecordRunAsync(name, "no new files", ct);
        return found;
    }

    /// <summary>
    /// Imports one file of the schedule's source, unless its content was seen meanwhile; null when there is nothing to do.
    /// The file streams once into a temporary copy, hashed on the way: the import reads the copy (twice: hash, rows), so a
    /// file replaced in the source meanwhile cannot mix two contents, and memory does not grow with the file.
    /// </summary>
    public async Task<FileOutcome?> ImportAsync(string name, string file, CancellationToken ct)
    {
        if (await store.FindAsync(name, ct) is not { Schedule: var schedule }) return null;
        var copy = Path.Combine(Path.GetTempPath(), $"batch-editor-schedule-{Guid.NewGuid():N}.csv");
        try
        {
            var hash = await CopyAsync(ScheduleSource.Open(schedule.Source, services), file, copy, ct);
            if (await store.SeenAsync(name, hash, ct)) return null;
            var result = await submission.SubmitAsync(new ManifestSubmission.Request(() => File.OpenRead(copy), file, schedule.Defaults, Settings: schedule.Settings), ct);
            // A problem of this installation (a provider without a key here), not of the file: not recorded, so it is tried
            // again (Hangfire retries the import) once the configuration is fixed.
            if (result.Errors is [{ AboutTheCommand: true } configuration]) throw new InvalidOperationException($"{file} not imported: {configuration.Message}");
            var (outcome, manifest, detail) = result switch
            {
                { Imported: { } imported } => ("imported", (Guid?)imported.Id, $"manifest {imported.Name}: {imported.Items} item(s)" + imported.IncrementalNote),
                { DuplicateOf: { } existing } => ("duplicate", null, $"already imported as manifest {existing}"),
                _ => ("refused", null, $"{result.ProblemSummary}, nothing imported: " + string.Join("; ", result.Errors.Take(5))),
            };
            await store.RecordFileAsync(name, file, hash, outcome, manifest, detail, ct);
            await store.RecordRunAsync(name, $"{file}: {outcome}", ct);
            LogFile(name, file, outcome, detail);
            return new(file, outcome, detail);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    /// <summary>Streams <paramref name="file"/> into <paramref name="copy"/>; returns the SHA-256 of its content.</summary>
    private static async Task<string> CopyAsync(ScheduleSource source, string file, string copy, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var from = await source.OpenAsync(file, ct);
        await using var to = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
        var buffer = new byte[81920];
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A whole fire in this process (`schedule run-now`): every new file imported, in order.</summary>
    public async Task<List<FileOutcome>?> RunAsync(string name, CancellationToken ct)
    {
        List<NewFile>? files;
        try { files = await NewFilesAsync(name, ct); }
        catch (ScheduleSourceException) { return []; }
        if (files is null) return null;
        var outcomes = new List<FileOutcome>();
        foreach (var file in files)
            if (await ImportAsync(name, file.Name, ct) is { } outcome) outcomes.Add(outcome);
        if (outcomes.Count > 0)
            await store.RecordRunAsync(name, string.Join(", ", outcomes.GroupBy(o => o.Outcome).Select(g => $"{g.Count()} {g.Key}")), ct);
        return outcomes;
    }

    [LoggerMessage(LogLevel.Warning, "Schedule {Schedule}: cannot read {Source} ({Reason}); nothing imported")]
    private partial void LogSourceUnreadable(string schedule, string source, string reason);

    [LoggerMessage(LogLevel.Information, "Schedule {Schedule}: {File} {Outcome}: {Detail}")]
    private partial void LogFile(string schedule, string file, string outcome, string detail);
}

/// <summary>A schedule's source (a folder, a blob prefix) could not be read.</summary>
public sealed class ScheduleSourceException(string message, Exception inner) : Exception(message, inner);
