namespace BatchEditor.Manifests.Formats;

/// <summary>One record of the file as read: its line and its cells by normalized header (trimmed, lower case).</summary>
public sealed record SourceRow(int Line, IReadOnlyDictionary<string, string> Cells)
{
    public string? Cell(string column) => Cells.TryGetValue(column, out var v) && v.Length > 0 ? v : null;
}

/// <summary>
/// A CSV shape that people export: turns the file's records into manifest rows (each with an <c>id</c> and an
/// <c>image_url</c>, every other cell kept for prompt templates and row data). Chosen with <c>--format</c> or detected
/// from the header.
/// </summary>
public abstract class CatalogueFormat
{
    public abstract string Name { get; }

    /// <summary>Manifest columns this format makes from others (so the header need not carry them).</summary>
    public virtual IReadOnlyList<string> Provides => [];

    /// <summary>Columns the file must have for this format, each as an alternative set ("one of").</summary>
    public abstract IReadOnlyList<string[]> Requires { get; }

    public abstract bool Detects(IReadOnlyCollection<string> headers);

    /// <summary>The manifest rows the records make, in file order; a problem is reported by the record's line.</summary>
    public abstract IEnumerable<SourceRow> Expand(IEnumerable<SourceRow> records, ReadReport errors);
}

public static class CatalogueFormats
{
    public static readonly CatalogueFormat Generic = new GenericFormat();
    public static readonly IReadOnlyList<CatalogueFormat> All = [new ShopifyFormat(), new WooCommerceFormat(), Generic];

    public static string Names => string.Join(", ", All.Select(f => f.Name));

    /// <summary>The format called <paramref name="name"/> (null or "auto": the one the header shows).</summary>
    public static CatalogueFormat? Find(string? name, IReadOnlyCollection<string> headers) =>
        name is null or "" or "auto"
            ? All.First(f => f == Generic || f.Detects(headers))
            : All.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The manifest as BatchEditor defines it: one row per item.</summary>
public sealed class GenericFormat : CatalogueFormat
{
    public override string Name => "generic";
    public override IReadOnlyList<string[]> Requires => [[ManifestColumns.Id], [ManifestColumns.ImageUrl]];
    public override bool Detects(IReadOnlyCollection<string> headers) => true;
    public override IEnumerable<SourceRow> Expand(IEnumerable<SourceRow> records, ReadReport errors) => records;
}
