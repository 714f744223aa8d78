using System.Globalization;
using System.Text.Json.Nodes;

namespace BatchEditor.ProviderSim;

/// <summary>The size a request asks for, as each protocol spells it, so outputs have the shape asked for (the output checks compare it).</summary>
public static class SimSizes
{
    private static readonly Dictionary<string, (int W, int H)> Presets = new()
    {
        ["square_hd"] = (1024, 1024), ["square"] = (512, 512), ["portrait_4_3"] = (768, 1024), ["portrait_16_9"] = (576, 1024),
        ["landscape_4_3"] = (1024, 768), ["landscape_16_9"] = (1024, 576),
    };

    /// <summary>fal's <c>image_size</c>: a preset name or <c>{width, height}</c>.</summary>
    public static (int W, int H) Fal(JsonNode? imageSize) => imageSize switch
    {
        JsonObject o when o["width"]?.GetValue<int>() is { } w && o["height"]?.GetValue<int>() is { } h => (w, h),
        JsonValue v when v.TryGetValue<string>(out var name) && Presets.TryGetValue(name, out var preset) => preset,
        _ => (1024, 1024),
    };

    /// <summary>WaveSpeed's <c>aspect_ratio</c> ("2:3", the longer side 1024 px at 1k) or <c>size</c> ("1024x1536").</summary>
    public static (int W, int H) WaveSpeed(JsonNode? body)
    {
        if (Pair(body?["size"]?.GetValue<string>(), 'x') is { } size) return size;
        if (Pair(body?["aspect_ratio"]?.GetValue<string>(), ':') is not { } ratio) return (1024, 1024);
        var longer = Math.Max(ratio.W, ratio.H);
        return ((int)Math.Round(1024.0 * ratio.W / longer), (int)Math.Round(1024.0 * ratio.H / longer));
    }

    private static (int W, int H)? Pair(string? text, char separator) =>
        text?.Split(separator) is [var a, var b] && int.TryParse(a, CultureInfo.InvariantCulture, out var w) && int.TryParse(b, CultureInfo.InvariantCulture, out var h) && w > 0 && h > 0
            ? (w, h) : null;
}
