using System.Globalization;
using BatchEditor.Providers;
using BatchEditor.Manifests.Formats;
using CsvHelper;
using static BatchEditor.Manifests.ManifestColumns;

namespace BatchEditor.Manifests;

/// <summary>
/// Reads and validates a whole CSV manifest before anything is written: every problem is collected with its
/// line and column, so a user fixes the file once instead of once per error.
/// </summary>
public sealed class ManifestReader(ProviderRegistry providers)
{
    private const int MaxPromptLength = 32_000;
    private static readonly string[] Qualities = ["low", "medium", "high", "auto"];

    /// <summary>The longest record read (a field of 1 MB is far beyond any prompt or URL list, and bounds memory).</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    /// <summary>Reads the whole file into memory (tests, small files); every problem is kept.</summary>
    public ParsedManifest Read(TextReader text, ManifestDefaults defaults)
    {
        var report = new ReadReport(int.MaxValue);
        var rows = Stream(text, defaults, report).ToList();
        return new ParsedManifest(rows, report.Errors, report.RowCount);
    }

    /// <summary>
    /// The valid rows, one at a time as the file is read (an import copies each as it comes, so memory does not grow
    /// with the file); every problem goes to <paramref name="report"/>. Row ids are remembered to refuse duplicates.
    /// </summary>
    public IEnumerable<ManifestRow> Stream(TextReader text, ManifestDefaults defaults, ReadReport report)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            TrackLineNumbers = true,
            TrimWhitespace = true,
            OnMalformedRecord = m => report.Add(new ManifestError((int)m.LineNumber, null, $"malformed CSV ({m.Reason})")),
            MaxRecordSize = MaxRecordBytes,
        };
        using var csv = CsvReader.Create(text, options, leaveOpen: true);
        // Reading may fail on hostile input (a record that never ends, bytes that are not text): one problem, named by line.
        bool Safely(Func<bool> read)
        {
            try
            {
                return read();
            }
            catch (CsvFormatException e)
            {
                report.Add(new ManifestError((int)csv.LineNumber + 1, null, $"a record longer than {MaxRecordBytes / 1024 / 1024} MB (a quote that is never closed?): {e.Message}"));
                return false;
            }
        }
        bool Next() => Safely(csv.Read);
        if (!Safely(() => { csv.ReadHeader(); return csv.Headers.Count > 0; }))
        {
            if (report.Count == 0) report.Add(new ManifestError(1, null, "the file is empty; a manifest starts with a header line (id,image_url,prompt)"));
            yield break;
        }
        var headers = csv.Headers.Select(PromptTemplate.Normalize).ToArray();
        var template = defaults.PromptTemplate is { } t ? new PromptTemplate(t) : null;
        if (CatalogueFormats.Find(defaults.Format, headers) is not { } format)
        {
            report.Add(new ManifestError(1, null, $"'{defaults.Format}' is not a format BatchEditor reads ({CatalogueFormats.Names}, or auto)"));
            yield break;
        }
        // A missing column makes every row invalid, but the rows are still read for their other problems, so the file is
        // fixed in one round; the missing column is said once, in the header, not on every row.
        var problemsBefore = report.Count;
        var missing = CheckHeader(headers, format, template, report);
        var headerBroken = report.Count > problemsBefore; // a column missing, twice, or a placeholder without one: no row imports
        if (headerBroken && format != CatalogueFormats.Generic) yield break; // a store export without its columns cannot be grouped into items
        if (!headers.Contains(Provider) && !headers.Contains(Route) && defaults.Route is null && DefaultProviderProblem(defaults.Provider) is { } problem)
        {
            report.Add(new ManifestError(0, null, problem)); // every row would say it: said once, about the command line
            yield break;
        }

        var seenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        IEnumerable<SourceRow> Records()
        {
            while (Next())
            {
                report.RowCount++;
                var line = (int)csv.LineNumber;
                if (csv.FieldCount != headers.Length)
                {
                    report.Add(new ManifestError(line, null, $"has {csv.FieldCount} fields but the header has {headers.Length}"));
                    continue;
                }
                var cells = new Dictionary<string, string>(headers.Length, StringComparer.Ordinal);
                for (var i = 0; i < headers.Length; i++) cells[headers[i]] = csv.GetString(i);
                yield return new SourceRow(line, cells);
            }
        }
        var valid = 0;
        foreach (var source in format.Expand(Records(), report))
        {
            var row = ReadRow(source.Line, source.Cells, defaults, template, report, seenIds, missing);
            if (row is null || headerBroken) continue;
            valid++;
            yield return row;
        }
        if (report.RowCount == 0 && report.Count == 0) report.Add(new ManifestError(1, null, "the manifest has a header but no rows"));
        else if (valid == 0 && report.Count == 0) report.Add(new ManifestError(1, null, $"no row of the {format.Name} export has an image to edit"));
    }

    /// <summary>Reports what is wrong with the header; returns the required columns it lacks (said once, not on every row).</summary>
    private static HashSet<string> CheckHeader(string[] headers, CatalogueFormat format, PromptTemplate? template, ReadReport errors)
    {
        var missing = new HashSet<string>(StringComparer.Ordinal);
        var kind = format == CatalogueFormats.Generic ? "the manifest" : $"the {format.Name} export";
        foreach (var dup in headers.GroupBy(h => h).Where(g => g.Count() > 1))
            errors.Add(new ManifestError(1, dup.Key, "appears more than once in the header"));
        foreach (var oneOf in format.Requires.Where(oneOf => !oneOf.Any(headers.Contains)))
            errors.Add(new ManifestError(1, oneOf[0], oneOf.Length == 1
                ? format == CatalogueFormats.Generic ? "required column is missing" : $"required column is missing from {kind}"
                : $"{kind} needs one of these columns: {string.Join(", ", oneOf)}"));
        if (template is null && !headers.Contains(Prompt))
            errors.Add(new ManifestError(1, Prompt, "required column is missing (or give --prompt)"));
        foreach (var column in template?.Columns ?? [])
            if (!headers.Contains(column) && !format.Provides.Contains(column))
                errors.Add(new ManifestError(1, column, $"--prompt uses {{{column}}} but {kind} has no such column"));
        foreach (var oneOf in format.Requires.Where(oneOf => !oneOf.Any(headers.Contains))) missing.UnionWith(oneOf);
        if (template is null && !headers.Contains(Prompt)) missing.Add(Prompt);
        return missing;
    }

    /// <param name="seenIds">Ids of the rows read so far (valid or not), to refuse a second use on any row.</param>
    /// <param name="missing">Columns the header lacks: already reported once, so not again on each row.</param>
    private ManifestRow? ReadRow(int line, IReadOnlyDictionary<string, string> cells, ManifestDefaults defaults, PromptTemplate? template, ReadReport errors,
        Dictionary<string, int> seenIds, HashSet<string> missing)
    {
        var before = errors.Count;
        void Error(string column, string message)
        {
            if (!missing.Contains(column)) errors.Add(new ManifestError(line, column, message));
        }
        foreach (var (column, value) in cells.Where(c => c.Value.Contains('\uFFFD')))
            Error(column, "holds bytes that are not UTF-8 text; save the file as UTF-8 (or UTF-16 with a byte order mark)");
        if (errors.Count > before) return null;
        string? Cell(string column) => cells.TryGetValue(column, out var v) && v.Length > 0 ? v : null;

        var id = Cell(Id);
        if (id is null) Error(Id, "is empty; every row needs an id");
        else if (id is "." or ".." || id.Any(char.IsControl) || id.Length > 200 || Uri.EscapeDataString(id).Length > MaxEscapedId)
            Error(Id, $"'{Shorten(id)}' cannot name a file (no control characters, '.' or '..', at most 200 characters and {MaxEscapedId} once escaped for a file name)");
        else if (seenIds.TryGetValue(id, out var first)) Error(Id, $"'{Shorten(id)}' is already used on line {first}; ids must be unique");
        else seenIds[id] = line;

        var urls = (Cell(ImageUrl) ?? "").Split(UrlSeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (urls.Length == 0) Error(ImageUrl, "is empty; give at least one image URL");
        foreach (var url in urls.Where(u => !IsHttpUrl(u))) Error(ImageUrl, $"'{url}' is not an http(s) URL");

        var prompt = Cell(Prompt) ?? template?.Fill(Cell);
        if (string.IsNullOrWhiteSpace(prompt)) Error(Prompt, "is empty; give a prompt here or with --prompt");
        else if (prompt.Length > MaxPromptLength) Error(Prompt, $"is {prompt.Length} characters; the limit is {MaxPromptLength}");

        var mask = Cell(MaskUrl);
        if (mask is not null && !IsHttpUrl(mask)) Error(MaskUrl, $"'{mask}' is not an http(s) URL");

        // A route (the row's, else the command's unless the row names a provider) instead of one provider.
        var route = Cell(Route) ?? (Cell(Provider) is null ? defaults.Route : null);
        var providerName = route is null ? (Cell(Provider) ?? defaults.Provider)?.ToLowerInvariant() : null;
        IImageEditProvider? provider = null;
        if (route is not null)
        {
            if (RouteChoice.ParseRoute(route) is { Count: 0 }) Error(Route, "is empty; give providers in order, e.g. pixeldojo,fal");
            foreach (var unknown in RouteChoice.ParseRoute(route).Where(c => !providers.IsKnown(c.Provider)))
                Error(Route, $"'{unknown.Provider}' is not a provider BatchEditor knows ({string.Join(", ", providers.Names)})");
            if (Cell(Model) is not null) Error(Model, "names one model for a route of several providers; name each choice's model in the route instead (fal:model)");
        }
        else if (providerName is null) Error(Provider, "is empty and no --provider was given");
        else if (!providers.IsKnown(providerName)) Error(Provider, $"'{providerName}' is not a provider BatchEditor knows ({string.Join(", ", providers.Names)})");
        else if (!providers.TryGet(providerName, out provider, out _)) Error(Provider, $"'{providerName}' has no API key configured ({ProviderRegistry.KeyVariable(providerName)})");

        var quality = (Cell(Quality) ?? defaults.Quality)?.ToLowerInvariant();
        if (quality is not null && !Qualities.Contains(quality)) Error(Quality, $"'{quality}' is not low, medium, high or auto");

        var n = 1;
        if (Cell(N) is { } nText && (!int.TryParse(nText, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n is < 1 or > 10))
            Error(N, $"'{nText}' is not a whole number from 1 to 10");

        var format = (Cell(OutputFormat))?.ToLowerInvariant() is "jpg" ? "jpeg" : Cell(OutputFormat)?.ToLowerInvariant();
        var size = Cell(Size) ?? defaults.Size;
        if (errors.Count > before || (provider is null && route is null) || missing.Count > 0) return null; // a missing column: the request cannot be built

        var extra = cells.Where(c => !Known.Contains(c.Key)).ToDictionary(c => c.Key, c => c.Value);
        EditRequest Request(string model) => new(id!, model, prompt!, urls, mask, size, quality, n, format);
        if (route is not null)
        {
            // Every choice is checked against the row: the item keeps those that can take it, in order, and starts on the first.
            var able = new List<(IImageEditProvider Provider, EditRequest Request)>();
            var refusals = new List<string>();
            foreach (var choice in RouteChoice.ParseRoute(route))
            {
                var why = !providers.TryGet(choice.Provider, out var candidate, out _)
                    ? $"no API key configured here ({ProviderRegistry.KeyVariable(choice.Provider)})"
                    : string.Join("; ", candidate.Validate(Request(choice.Model ?? candidate.DefaultModel)).Select(p => $"{p.Column} {p.Message}"));
                if (why.Length == 0) able.Add((candidate!, Request(choice.Model ?? candidate!.DefaultModel)));
                else
                {
                    refusals.Add($"{choice.Provider}: {why}");
                    errors.RouteChoiceRefused(choice.Provider, line, why);
                }
            }
            if (able.Count == 0) Error(Route, $"no choice of the route can take this row — {string.Join(" — ", refusals)}");
            if (errors.Count > before) return null;
            return new ManifestRow(line, able[0].Provider.Name, able[0].Request, extra)
            {
                Route = [.. able.Select(a => new RouteChoice(a.Provider.Name, a.Request.Model).ToString())],
            };
        }

        var request = Request(Cell(Model) ?? defaults.Model ?? provider!.DefaultModel);
        foreach (var problem in provider!.Validate(request)) Error(problem.Column, problem.Message);
        if (errors.Count > before) return null;
        return new ManifestRow(line, provider.Name, request, extra);
    }

    /// <summary>Why the provider every row falls back to cannot take them (unknown, or no key here); null when it can.</summary>
    private string? DefaultProviderProblem(string? name) =>
        name?.ToLowerInvariant() switch
        {
            null => "the file has no provider column and no --provider was given",
            var p when !providers.IsKnown(p) => $"--provider '{p}' is not a provider BatchEditor knows ({string.Join(", ", providers.Names)})",
            var p when !providers.TryGet(p, out _, out _) => $"--provider {p} has no API key configured here (set {ProviderRegistry.KeyVariable(p)})",
            _ => null,
        };

    /// <summary>A row id becomes one escaped file or blob name segment; most file systems allow 255 bytes.</summary>
    private const int MaxEscapedId = 240;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
