using System.Security.Cryptography;
using BatchEditor.Webhooks;
using Microsoft.Extensions.Options;

namespace BatchEditor.Manifests;

/// <summary>
/// Submitting a manifest, as the CLI's <c>submit</c>, the HTTP API and schedules do it: the file streams through the
/// reader into one transaction, row by row, so memory does not grow with the file; any problem rolls everything back
/// (unless <see cref="Request.SkipInvalid"/>), and every problem is counted, the first <see cref="ReadReport.DefaultKept"/>
/// kept with line and column. A file imported before is refused unless forced, by content hash.
/// </summary>
public sealed class ManifestSubmission(ManifestReader reader, ManifestImporter importer, IOptions<WebhookOptions> webhooks)
{
    /// <param name="Open">Opens the file from its start (it is read twice: once for its hash, once to import it).</param>
    /// <param name="UploadId">The API upload this is the import of: recorded on the manifest in the import's transaction.</param>
    public sealed record Request(Func<Stream> Open, string SourceName, ManifestDefaults Defaults, string? Name = null, bool Force = false,
        bool SkipInvalid = false, ManifestSettings? Settings = null, Guid? UploadId = null)
    {
        public static Request FromBytes(byte[] content, string sourceName, ManifestDefaults defaults, string? name = null, bool force = false,
            bool skipInvalid = false, ManifestSettings? settings = null) =>
            new(() => new MemoryStream(content, writable: false), sourceName, defaults, name, force, skipInvalid, settings);
    }

    /// <param name="Imported">Null when nothing was imported (see <see cref="Errors"/> or <see cref="DuplicateOf"/>).</param>
    /// <param name="Errors">The first problems; <paramref name="ProblemCount"/> counts them all.</param>
    /// <param name="NameTaken">The requested name belongs to another manifest: nothing was read or imported.</param>
    public sealed record Result(ManifestImporter.Imported? Imported, IReadOnlyList<ManifestError> Errors, int RowCount, string? DuplicateOf, int ProblemCount = 0,
        int RowsWithProblems = 0, string? NameTaken = null)
    {
        /// <summary>With a route: which of its providers cannot take which rows (those rows go to the other choices).</summary>
        public IReadOnlyList<string> RouteNotes { get; init; } = [];

        /// <summary>"3 problems on 2 of 24 rows".</summary>
        public string ProblemSummary => ReadReport.Summary(ProblemCount, RowsWithProblems, RowCount);
    }

    /// <summary>The provider a manifest is listed under: its route's first choice, or its --provider.</summary>
    private static string DefaultProvider(ManifestDefaults defaults) =>
        (defaults.Route is { } route ? Providers.RouteChoice.ParseRoute(route).FirstOrDefault()?.Provider : null) ?? defaults.Provider!;

    public async Task<Result> SubmitAsync(Request request, CancellationToken ct)
    {
        if (webhooks.Value.Refuse(request.Settings?.WebhookUrl) is { } refused) return new(null, [new ManifestError(0, null, refused)], 0, null, 1);
        string hash;
        await using (var content = request.Open()) hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
        await using var stream = request.Open();
        using var text = ManifestText.Open(stream);
        var report = new ReadReport();
        try
        {
            var imported = await importer.ImportAsync(reader.Stream(text, request.Defaults, report), report, request.SkipInvalid, request.Name,
                request.SourceName, hash, DefaultProvider(request.Defaults), request.Force, ct, request.Settings, request.UploadId);
            return new(imported, report.Errors, report.RowCount, null, report.Count, report.RowsWithProblems) { RouteNotes = [.. report.RouteNotes()] };
        }
        catch (ManifestImporter.DuplicateManifestException e)
        {
            return new(null, [], 0, e.Existing);
        }
        catch (ManifestImporter.NameTakenException e)
        {
            return new(null, [], 0, null, NameTaken: e.Message);
        }
    }
}
