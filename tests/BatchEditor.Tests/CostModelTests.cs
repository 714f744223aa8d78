using BatchEditor.Providers;

namespace BatchEditor.Tests;

public class CostModelTests
{
    /// <summary>The check values published with the formula (docs/providers.md §4).</summary>
    [Theory]
    [InlineData(1024, 1024, "low", 196)]
    [InlineData(1024, 1024, "medium", 1756)]
    [InlineData(1024, 1024, "high", 7024)]
    [InlineData(1536, 1024, "low", 158)]
    [InlineData(1536, 1024, "medium", 1372)]
    [InlineData(1536, 1024, "high", 5488)]
    [InlineData(3840, 2160, "low", 371)]
    [InlineData(3840, 2160, "medium", 3336)]
    [InlineData(3840, 2160, "high", 13342)]
    public void Gpt_image_2_output_tokens_match_the_published_check_values(int w, int h, string quality, long tokens) =>
        Assert.Equal(tokens, GptImageTokens.OutputTokens(w, h, quality));

    [Fact]
    public void Portrait_and_landscape_cost_the_same() =>
        Assert.Equal(GptImageTokens.OutputTokens(1536, 1024, "high"), GptImageTokens.OutputTokens(1024, 1536, "high"));
}
