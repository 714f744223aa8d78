namespace BatchEditor.Providers.OpenAI;

/// <summary>
/// OpenAI image-model prices per million tokens and the output-token counts of each size (docs/providers.md §6).
/// gpt-image-2 output tokens follow the §4 formula; gpt-image-1 and 1.5 use fixed counts per size and quality.
/// </summary>
internal sealed record OpenAiPricing(decimal TextInPerM, decimal ImageInPerM, decimal ImageOutPerM)
{
    public static readonly IReadOnlyDictionary<string, OpenAiPricing> ByModel = new Dictionary<string, OpenAiPricing>
    {
        ["gpt-image-2"] = new(5m, 8m, 30m),
        // Only the output price of gpt-image-1.5 is published in docs/providers.md; inputs are priced like gpt-image-2.
        ["gpt-image-1.5"] = new(5m, 8m, 32m),
        ["gpt-image-1"] = new(5m, 10m, 40m),
    };

    /// <summary>A rough input-image token count for estimates only; the real figure comes back in <c>usage</c>.</summary>
    public const int EstimatedTokensPerInputImage = 1_000;

    public decimal Usd(long textIn, long imageIn, long imageOut) =>
        (textIn * TextInPerM + imageIn * ImageInPerM + imageOut * ImageOutPerM) / 1_000_000m;

    public static long OutputTokens(string model, int width, int height, string? quality)
    {
        if (model == "gpt-image-2") return GptImageTokens.OutputTokens(width, height, quality);
        var perQuality = (width, height) switch
        {
            (1024, 1536) => (408, 1584, 6240),
            (1536, 1024) => (400, 1568, 6208),
            _ => (272, 1056, 4160),
        };
        return quality switch { "low" => perQuality.Item1, "high" => perQuality.Item3, _ => perQuality.Item2 };
    }
}
