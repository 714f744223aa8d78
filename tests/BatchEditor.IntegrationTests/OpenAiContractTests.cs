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
    public Task An_input_that_cannot_be_downloaded_is_refused_before_anything_is_sent() => AssertRefusedBeforeSubmitting(
        Request("gpt-image-2", "Grey backdrop", [InputUrl("front"), InputUrl("front").Replace("/inputs/", "/files/", StringComparison.Ordinal)]),
        "input image 2 could not be downloaded: 404");

    [Fact]
    public async Task The_mask_is_sent_as_is_in_openais_own_convention()
    {
        // The simulator, like OpenAI, refuses a mask without an alpha channel: so a refusal proves the mask arrived.
        var sky = await Provider.SubmitAsync(Request("gpt-image-2", "Only the sky", [InputUrl("front")], mask: InputUrl("sky-mask")), SubmitFence.Open, CancellationToken.None);
        Assert.IsType<SubmitOutcome.Completed>(sky);
        var opaque = Assert.IsType<SubmitOutcome.Rejected>(
            await Provider.SubmitAsync(Request("gpt-image-2", "Only the sea", [InputUrl("front")], mask: InputUrl("photo")), SubmitFence.Open, CancellationToken.None));
        Assert.Contains("mask image missing alpha channel", opaque.Reason);
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
