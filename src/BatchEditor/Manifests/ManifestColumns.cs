namespace BatchEditor.Manifests;

/// <summary>The manifest columns BatchEditor understands; any other column is kept as row data.</summary>
public static class ManifestColumns
{
    public const string Id = "id";
    public const string ImageUrl = "image_url";
    public const string Prompt = "prompt";
    public const string MaskUrl = "mask_url";
    public const string Provider = "provider";
    public const string Route = "route";
    public const string Model = "model";
    public const string Size = "size";
    public const string Quality = "quality";
    public const string N = "n";
    public const string OutputFormat = "output_format";

    public static readonly HashSet<string> Known = [Id, ImageUrl, Prompt, MaskUrl, Provider, Route, Model, Size, Quality, N, OutputFormat];

    /// <summary>Several input images in one cell are separated by this.</summary>
    public const char UrlSeparator = '|';
}
