namespace BatchEditor.Manifests.Formats;

/// <summary>
/// A WooCommerce product export: one row per product or variation, its pictures in <c>Images</c> as comma-separated
/// URLs. Every image becomes one item, <c>{SKU}-{n}</c> (the product's <c>ID</c> when it has no SKU), with the row's
/// cells (Name, Categories, Short description …) available to the prompt template.
/// </summary>
public sealed class WooCommerceFormat : CatalogueFormat
{
    private const string Images = "images", Sku = "sku", ProductId = "id", ProductName = "name";

    public override string Name => "woocommerce";
    public override IReadOnlyList<string> Provides => [ManifestColumns.Id, ManifestColumns.ImageUrl];
    public override IReadOnlyList<string[]> Requires => [[Images], [Sku, ProductId]];

    public override bool Detects(IReadOnlyCollection<string> headers) =>
        headers.Contains(Images) && headers.Contains(ProductName) && (headers.Contains(Sku) || headers.Contains(ProductId)) && !headers.Contains(ManifestColumns.ImageUrl);

    public override IEnumerable<SourceRow> Expand(IEnumerable<SourceRow> records, ReadReport errors)
    {
        foreach (var record in records)
        {
            var urls = (record.Cell(Images) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
            if (urls.Count == 0) continue; // a product without pictures has nothing to edit
            if ((record.Cell(Sku) ?? record.Cell(ProductId)) is not { } key)
            {
                errors.Add(new ManifestError(record.Line, "SKU", "is empty and so is ID; an item needs one of them for its id"));
                continue;
            }
            for (var n = 0; n < urls.Count; n++)
            {
                var cells = new Dictionary<string, string>(record.Cells, StringComparer.Ordinal)
                {
                    [ManifestColumns.Id] = $"{key}-{n + 1}",
                    [ManifestColumns.ImageUrl] = urls[n],
                };
                yield return new SourceRow(record.Line, cells);
            }
        }
    }
}
