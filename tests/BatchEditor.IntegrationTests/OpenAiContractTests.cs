using BatchEditor.Providers;

namespace BatchEditor.IntegrationTests;

/// <summary>OpenAI through the shared contract, plus what only it does: downloading the inputs itself.</summary>
public class OpenAiContractTests : ProviderContractTests
{
    protected override string Name => "openai";
    protected override string Section => "OpenAI";
    protected override bool Synchronous => true;
    protected override bool ReportsCost => true;
    protected override EditRequest Sample(string prompt) => Request("gpt-image-2", prompt, [InputUrl("front"), InputUrl("back")], "2:3");
    protected override (EditRequest, string) Unsupported => (Request("gpt-image-2", "make it grey", "1000x1000"), "size");

    [Fact]
    public async Task An_input_that_cannot_be_downloaded_is_refused_before_anything_is_sent()
    {
        var request = Request("gpt-image-2", "Grey backdrop", [InputUrl("front"), InputUrl("front").Replace("/inputs/", "/files/", StringComparison.Ordinal)]);
        var outcome = Assert.IsType<SubmitOutcome.Rejected>(await Provider.SubmitAsync(request, CancellationToken.None));
        Assert.False(outcome.Retryable);
        Assert.Contains("input image 2 could not be downloaded: 404", outcome.Reason);
        Assert.Equal(0, Sim.State.TotalSubmits);
    }

    [Fact]
    public async Task A_mask_is_sent_as_a_png_file()
    {
        var outcome = await Provider.SubmitAsync(Request("gpt-image-2", "Only the sky", [InputUrl("front")], mask: InputUrl("mask")), CancellationToken.None);
        Assert.IsType<SubmitOutcome.Completed>(outcome);
    }

    [Theory]
    [InlineData("gpt-image-2", "1536x1024", null)]
    [InlineData("gpt-image-2", "2048x1152", null)]
    [InlineData("gpt-image-2", "4096x2048", "longest edge")]
    [InlineData("gpt-image-2", "3840x1024", "between 1:3 and 3:1")]
    [InlineData("gpt-image-2", "512x512", "655,360")]
    [InlineData("gpt-image-1.5", "2048x1152", "1024x1024, 1536x1024, 1024x1536")]
    [InlineData("gpt-image-1.5", "3:2", null)]
    [InlineData("gpt-image-2", "16:9", "aspect ratios 1:1, 3:2 and 2:3")]
    public void Sizes_follow_each_models_rules(string model, string size, string? problem)
    {
        var problems = Provider.Validate(Request(model, "Grey backdrop", size)).ToList();
        if (problem is null) Assert.Empty(problems);
        else Assert.Contains(problem, Assert.Single(problems).Message);
    }
}
