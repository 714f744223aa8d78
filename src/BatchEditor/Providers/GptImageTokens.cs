namespace BatchEditor.Providers;

/// <summary>
/// GPT Image 2 output tokens for one image (docs/providers.md §4):
/// <c>ceil(base × round_half_even(base × short/long) × (2,000,000 + W×H) / 4,000,000)</c>, base 16 / 48 / 96 by quality.
/// </summary>
public static class GptImageTokens
{
    public static int Base(string? quality) => quality switch
    {
        "low" => 16,
        "high" => 96,
        _ => 48, // medium, auto and unspecified: the providers' default
    };

    public static long OutputTokens(int width, int height, string? quality)
    {
        var b = Base(quality);
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        var scaled = Math.Round(b * (decimal)shortSide / longSide, MidpointRounding.ToEven);
        return (long)Math.Ceiling(b * scaled * (2_000_000m + (decimal)width * height) / 4_000_000m);
    }
}
