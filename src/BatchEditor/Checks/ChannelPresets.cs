namespace BatchEditor.Checks;

/// <summary>
/// A sales channel's limits on product images, checked on every output of a manifest submitted with
/// <c>--check &lt;channel&gt;</c> (docs/checks.md lists them with where they come from).
/// </summary>
/// <param name="MinLongSide">The longer side must be at least this many pixels (0: no minimum).</param>
/// <param name="MaxSide">Neither side may be longer.</param>
/// <param name="MaxBytes">The file may be no larger.</param>
/// <param name="Formats">The file formats the channel takes (by extension).</param>
public sealed record ChannelPreset(string Name, int MinLongSide, int MaxSide, long MaxBytes, IReadOnlyList<string> Formats)
{
    public static readonly IReadOnlyList<ChannelPreset> All =
    [
        // Shopify: up to 4472 × 4472 px (20 megapixels) and 20 MB; PNG, JPEG, WebP (and GIF, HEIC).
        new("shopify", 0, 4472, 20L * 1024 * 1024, ["png", "jpg", "webp"]),
        // Amazon: at least 1000 px on the longer side (zoom), at most 10,000 px; JPEG, PNG (and TIFF, GIF); 10 MB.
        new("amazon", 1000, 10_000, 10L * 1024 * 1024, ["jpg", "png"]),
        // Etsy: at least 2000 px on the shorter side is recommended; 2000 px on the longer side is checked here; 10 MB; JPEG, PNG (and GIF).
        new("etsy", 2000, 10_000, 10L * 1024 * 1024, ["jpg", "png"]),
    ];

    public static ChannelPreset? Find(string? name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public static string Names => string.Join(", ", All.Select(p => p.Name));

    /// <summary>Null when an output of this size, format and length meets the channel's limits; otherwise what it breaks.</summary>
    public string? Breaks(int width, int height, string? extension, long bytes)
    {
        var longer = Math.Max(width, height);
        if (MinLongSide > 0 && longer < MinLongSide) return $"is {longer} px on its longer side; {Name} asks at least {MinLongSide}";
        if (longer > MaxSide) return $"is {longer} px on its longer side; {Name} takes at most {MaxSide}";
        if (bytes > MaxBytes) return $"is {bytes / 1024 / 1024} MB; {Name} takes at most {MaxBytes / 1024 / 1024} MB";
        if (extension is null || !Formats.Contains(extension)) return $"is {extension ?? "an unknown format"}; {Name} takes {string.Join(", ", Formats)}";
        return null;
    }
}
