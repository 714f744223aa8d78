using System.Security.Cryptography;
using BatchEditor.Manifests;
using BatchEditor.Storage.AzureBlob;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Scheduling;

/// <summary>
/// One fire of a schedule: every <c>*.csv</c> in its source (<see cref="ScheduleSource"/>) whose content it has not seen is submitted, as
/// <c>submit</c> would, with the schedule's defaults and settings; each file's outcome is recorded (imported with its
/// manifest, refused with its problems, or a duplicate of a manifest imported otherwise). A file is imported once per
/// content, whatever its name, and a fire interrupted between import and record finds the manifest on the next fire
/// (the import refuses the same content twice) and records it then.
/// </summary>
public sealed partial class ScheduleRunner(ScheduleStore store, ManifestSubmission submission, IServiceProvider services, ILogger<ScheduleRunner> logger)
{
    public sealed record FileOutcome(string File, string Outcome, string Detail);

    public async Task<List<FileOutcome>?> RunAsync(string name, CancellationToken ct)
    {
        if (await store.FindAsync(name, ct) is not { } schedule) return null;
        var outcomes = new List<FileOutcome>();
        var source = ScheduleSource.Open(schedule.Source, services);
        IReadOnlyList<string> files;
        try
        {
            files = await source.ListAsync(ct);
        }
        catch (Exception e) when (e is IOException or BlobRequestException or InvalidOperationException or FormatException)
        {
            await store.RecordRunAsync(name, $"cannot read {source.Describe}: {e.Message}", ct);
            LogSourceUnreadable(name, source.Describe, e.Message);
            return outcomes;
        }
        foreach (var file in files)
        {
            var content = await source.ReadAsync(file, ct);
            var hash = Convert.ToHexStringLower(SHA256.HashData(content));
            if (await store.SeenAsync(name, hash, ct)) continue;
            var result = await submission.SubmitAsync(ManifestSubmission.Request.FromBytes(content, file, schedule.Defaults, settings: schedule.Settings), ct);
            var (outcome, manifest, detail) = result switch
            {
                { Imported: { } imported } => ("imported", (Guid?)imported.Id, $"manifest {imported.Name}: {imported.Items} item(s)"),
                { DuplicateOf: { } existing } => ("duplicate", null, $"already imported as manifest {existing}"),
                _ => ("refused", null, $"{result.ProblemCount} problem(s), nothing imported: " + string.Join("; ", result.Errors.Take(5))),
            };
            await store.RecordFileAsync(name, file, hash, outcome, manifest, detail, ct);
            LogFile(name, file, outcome, detail);
            outcomes.Add(new(file, outcome, detail));
        }
        await store.RecordRunAsync(name, outcomes.Count == 0 ? "no new files"
            : string.Join(", ", outcomes.GroupBy(o => o.Outcome).Select(g => $"{g.Count()} {g.Key}")), ct);
        return outcomes;
    }

    [LoggerMessage(LogLevel.Warning, "Schedule {Schedule}: cannot read {Source} ({Reason}); nothing imported")]
    private partial void LogSourceUnreadable(string schedule, string source, string reason);

    [LoggerMessage(LogLevel.Information, "Schedule {Schedule}: {File} {Outcome}: {Detail}")]
    private partial void LogFile(string schedule, string file, string outcome, string detail);
}
