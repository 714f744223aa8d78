namespace BatchEditor.Providers.PixelDojo;

/// <summary>PixelDojo's edit models (docs/providers.md §1): API id, credits per image, mask support.</summary>
internal sealed record PixelDojoModel(string ApiId, decimal Credits, bool TakesMask)
{
    public static readonly PixelDojoModel GptImage2 = new("gpt-image-2-edit", 5, TakesMask: true);
    public static readonly PixelDojoModel GptImage15 = new("gpt-image-1-5-edit", 4, TakesMask: false);

    public static PixelDojoModel? Find(string model) => model.Trim().ToLowerInvariant() switch
    {
        "gpt-image-2-edit" or "gpt-image-2" => GptImage2,
        "gpt-image-1-5-edit" or "gpt-image-1.5" or "gpt-image-1.5-edit" => GptImage15,
        _ => null,
    };

    /// <summary>
    /// image_size presets (the table's values are unconfirmed; they match fal's names). A ratio maps to the
    /// preset of exactly that aspect; anything else is rejected rather than silently reshaped.
    /// </summary>
    private static readonly Dictionary<(int, int), string> PresetByAspect = new()
    {
        [(1, 1)] = "square_hd",
        [(3, 4)] = "portrait_4_3",
        [(9, 16)] = "portrait_16_9",
        [(4, 3)] = "landscape_4_3",
        [(16, 9)] = "landscape_16_9",
    };

    private static readonly HashSet<string> Presets =
        ["auto", "square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"];

    public static string? ImageSize(string? size, out string? problem)
    {
        problem = null;
        var spec = SizeSpec.Parse(size);
        if (spec is null) return null;
        if (spec.Preset is { } preset)
        {
            if (Presets.Contains(preset)) return preset;
        }
        else if (spec.Aspect is { } aspect && PresetByAspect.TryGetValue(aspect, out var mapped))
        {
            return mapped;
        }
        problem = $"pixeldojo offers image_size presets {string.Join(", ", Presets)} (1:1, 3:4, 9:16, 4:3, 16:9); '{size}' is none of them";
        return null;
    }
}
