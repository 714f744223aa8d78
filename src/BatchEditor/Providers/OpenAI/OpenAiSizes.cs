namespace BatchEditor.Providers.OpenAI;

/// <summary>
/// OpenAI's <c>size</c> vocabulary. gpt-image-2 takes any WxH with sides multiples of 16, aspect between 1:3 and 3:1,
/// longest edge ≤ 3840 and 655,360–8,294,400 pixels; gpt-image-1 and 1.5 take the three standard sizes. An aspect
/// ratio from the manifest maps to the standard size of that shape (1:1, 3:2, 2:3).
/// </summary>
internal static class OpenAiSizes
{
    private static readonly Dictionary<string, string> Standard = new()
    {
        ["1:1"] = "1024x1024", ["3:2"] = "1536x1024", ["2:3"] = "1024x1536",
    };

    /// <summary>The wire value for a manifest size, or null with <paramref name="why"/> when the model cannot make it.</summary>
    public static string? Map(string model, string? size, out string why)
    {
        why = "";
        var spec = SizeSpec.Parse(size);
        if (spec is null || spec.IsAuto) return "auto";
        if (spec.Width is not { } w || spec.Height is not { } h)
        {
            if (spec.Aspect is { } a && Standard.TryGetValue($"{a.W}:{a.H}", out var standard)) return standard;
            why = $"openai sizes are WxH or auto (aspect ratios 1:1, 3:2 and 2:3 map to the standard sizes); '{size}' is neither";
            return null;
        }
        var text = $"{w}x{h}";
        if (model != "gpt-image-2")
        {
            if (Standard.ContainsValue(text)) return text;
            why = $"openai {model} sizes are 1024x1024, 1536x1024, 1024x1536 or auto, not '{size}'";
            return null;
        }
        var pixels = (long)w * h;
        if (w % 16 != 0 || h % 16 != 0) why = $"openai gpt-image-2 needs both sides to be multiples of 16, not '{size}'";
        else if (Math.Max(w, h) > 3840) why = $"openai gpt-image-2's longest edge is at most 3840, not '{size}'";
        else if (Math.Max(w, h) > 3 * Math.Min(w, h)) why = $"openai gpt-image-2's aspect ratio is between 1:3 and 3:1, not '{size}'";
        else if (pixels is < 655_360 or > 8_294_400) why = $"openai gpt-image-2 makes 655,360 to 8,294,400 pixels, '{size}' has {pixels:N0}";
        return why.Length == 0 ? text : null;
    }

    /// <summary>The pixel size used to estimate output tokens (auto is estimated as 1024x1024).</summary>
    public static (int W, int H) Pixels(string wire) =>
        SizeSpec.Parse(wire) is { Width: { } w, Height: { } h } ? (w, h) : (1024, 1024);
}
