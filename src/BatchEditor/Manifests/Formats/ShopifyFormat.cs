namespace BatchEditor.Manifests.Formats;

/// <summary>
/// A Shopify product export: several rows per product, grouped by <c>Handle</c>. The first row of a handle carries the
/// product (Title, Vendor, Type, Tags, Body (HTML) …); rows with <c>Image Src</c> add images at their
/// <c>Image Position</c>, and variant rows may name a <c>Variant Image</c>. Every distinct image becomes one item,
/// <c>{Handle}-{Position}</c> (variant images not among the product's images take the positions after them), with the
/// product's cells available to the prompt template.
/// </summary>
public sealed class ShopifyFormat : CatalogueFormat
{
    private const string Handle = "handle", ImageSrc = "image src", ImagePosition = "image position", VariantImage = "variant image";

    public override string Name => "shopify";
    public override IReadOnlyList<string> Provides => [ManifestColumns.Id, ManifestColumns.ImageUrl, ImagePosition];
    public override IReadOnlyList<string[]> Requires => [[Handle], [ImageSrc, VariantImage]];
    public override bool Detects(IReadOnlyCollection<string> headers) => headers.Contains(Handle) && (headers.Contains(ImageSrc) || headers.Contains(VariantImage));

    public override IEnumerable<SourceRow> Expand(IEnumerable<SourceRow> records, ReadReport errors)
    {
        var products = new List<List<SourceRow>>();
        var byHandle = new Dictionary<string, List<SourceRow>>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (record.Cell(Handle) is not { } handle)
            {
                errors.Add(new ManifestError(record.Line, "Handle", "is empty; every row of a Shopify export names its product"));
                continue;
            }
            if (!byHandle.TryGetValue(handle, out var rows)) products.Add(byHandle[handle] = rows = []);
            rows.Add(record);
        }
        return products.SelectMany(rows => Images(rows, errors));
    }

    private static IEnumerable<SourceRow> Images(List<SourceRow> rows, ReadReport errors)
    {
        var product = rows[0];
        var images = new List<(int Position, string Url, int Line)>();
        foreach (var row in rows.Where(r => r.Cell(ImageSrc) is not null))
        {
            var url = row.Cell(ImageSrc)!;
            if (images.Any(i => i.Url == url)) continue;
            var position = images.Count + 1;
            if (row.Cell(ImagePosition) is { } text && !int.TryParse(text, out position))
            {
                errors.Add(new ManifestError(row.Line, "Image Position", $"'{text}' is not a whole number"));
                continue;
            }
            if (images.FirstOrDefault(i => i.Position == position) is { Url: not null } taken)
            {
                errors.Add(new ManifestError(row.Line, "Image Position", $"position {position} of '{product.Cell(Handle)}' is already image {taken.Url} (line {taken.Line})"));
                continue;
            }
            images.Add((position, url, row.Line));
        }
        foreach (var row in rows.Where(r => r.Cell(VariantImage) is { } url && images.All(i => i.Url != url)))
            images.Add((images.Count == 0 ? 1 : images.Max(i => i.Position) + 1, row.Cell(VariantImage)!, row.Line));

        foreach (var (position, url, line) in images.OrderBy(i => i.Position))
        {
            var cells = new Dictionary<string, string>(product.Cells, StringComparer.Ordinal)
            {
                [ManifestColumns.Id] = $"{product.Cell(Handle)}-{position}",
                [ManifestColumns.ImageUrl] = url,
                [ImagePosition] = position.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            yield return new SourceRow(line, cells);
        }
    }
}
