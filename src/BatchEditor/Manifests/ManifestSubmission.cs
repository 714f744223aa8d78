using System.Security.Cryptography;
using System.Text;

namespace BatchEditor.Manifests;

/// <summary>
/// Submitting a manifest, as the CLI's <c>submit</c> and the HTTP API both do it: read and validate every row, then
/// import all of them in one transaction, or none (unless <see cref="Request.SkipInvalid"/>). A file imported before is
/// refused unless forced, by content hash.
/// </summary>
public sealed class ManifestSubmission(ManifestReader reader, ManifestImporter importer)
{
    public sealed record Request(byte[] Content, string SourceName, ManifestDefaults Defaults, string? Name = null, bool Force = false,
        bool SkipInvalid = false, ManifestSettings? Settings = null);

    /// <param name="Imported">Null when nothing was imported (see <see cref="Errors"/> or <see cref="DuplicateOf"/>).</param>
    public sealed record Result(ManifestImporter.Imported? Imported, IReadOnlyList<ManifestError> Errors, int RowCount, string? DuplicateOf);

    public async Task<Result> SubmitAsync(Request request, CancellationToken ct)
    {
        using var text = new StreamReader(new MemoryStream(request.Content), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var parsed = reader.Read(text, request.Defaults);
        if (parsed.Errors.Count > 0 && (!request.SkipInvalid || parsed.Rows.Count == 0))
            return new(null, parsed.Errors, parsed.RowCount, null);
        try
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(request.Content));
            var imported = await importer.ImportAsync(parsed.Rows, request.Name, request.SourceName, hash, request.Defaults.Provider!, request.Force, ct, request.Settings);
            return new(imported, parsed.Errors, parsed.RowCount, null);
        }
        catch (ManifestImporter.DuplicateManifestException e)
        {
            return new(null, [], parsed.RowCount, e.Existing);
        }
    }
}
