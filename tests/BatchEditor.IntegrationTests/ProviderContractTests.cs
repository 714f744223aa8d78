using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Providers;
using BatchEditor.ProviderSim;
using BatchEditor.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using BatchEditor.Imaging;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// The one contract every provider adapter must pass, run through the simulator speaking that provider's protocol.
/// Adding a provider = one folder, one registration line, one subclass here.
/// </summary>
public abstract class ProviderContractTests : IAsyncLifetime
{
    private SimulatorServer _sim = null!;
    private ServiceProvider _services = null!;

    protected abstract string Name { get; }
    protected abstract string Section { get; }
    protected abstract EditRequest Sample(string prompt);
    protected virtual bool Synchronous => false;

    /// <summary>The provider reports what the job cost (not only our estimate).</summary>
    protected virtual bool ReportsCost => false;

    /// <summary>Input images the simulator serves, for providers that download the inputs themselves.</summary>
    protected string InputUrl(string name) => $"{_sim.BaseUrl}/inputs/{name}.png";

    /// <summary>A request the provider cannot take, and the column it should be blamed on.</summary>
    protected abstract (EditRequest Request, string Column) Unsupported { get; }

    protected SimulatorServer Sim => _sim;

    protected IImageEditProvider Provider => _services.GetRequiredService<ProviderRegistry>().TryGet(Name, out var p, out _) ? p : throw new InvalidOperationException(Name);

    public async Task InitializeAsync()
    {
        _sim = await SimulatorServer.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(300), ImageScale = 0.1 });
        var settings = new Dictionary<string, string?>();
        TestBed.ProviderSettings(settings, Section, _sim.BaseUrls[Section]);
        // Short, so a stalled submit ends quickly; not so short that a cold first request on a busy machine times out.
        settings[$"Providers:{Section}:RequestTimeout"] = "00:00:03";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _services = new ServiceCollection().AddProviders(configuration).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task Submit_then_poll_yields_downloadable_png_outputs_and_a_cost()
    {
        var request = Sample("Put the lamp on grey");
        Assert.Empty(Provider.Validate(request));
        var estimate = Provider.Estimate(request);
        Assert.True(estimate.Credits > 0 || estimate.CostUsd > 0 || estimate.Note.Contains("price", StringComparison.OrdinalIgnoreCase), estimate.Note);

        var outcome = await Provider.SubmitAsync(request, SubmitFence.Open, CancellationToken.None);
        var (outputs, cost) = outcome switch
        {
            SubmitOutcome.Completed c => (c.Outputs, c.Cost),
            SubmitOutcome.Accepted a => await PollToEnd(a.Job) is PollOutcome.Completed done ? (done.Outputs, done.Cost ?? a.Cost) : default,
            _ => default,
        };
        if (outputs is null) throw new Xunit.Sdk.XunitException($"expected outputs, got {outcome}");
        Assert.Equal(Synchronous, outcome is SubmitOutcome.Completed);
        Assert.Equal(ReportsCost, cost is { Estimated: false });

        // Outputs come as a temporary URL or, from providers that answer with the image, as base64.
        var output = Assert.Single(outputs);
        using var http = new HttpClient();
        var bytes = output.InlineBase64 is { } b64 ? Convert.FromBase64String(b64) : await http.GetByteArrayAsync(output.Url);
        Assert.Equal(ImageKind.Png, ImageKind.Sniff(bytes));
    }

    [Fact]
    public async Task A_failed_job_is_final_with_the_providers_reason()
    {
        var outcome = await Provider.SubmitAsync(Sample("Recolour [sim:fail]"), SubmitFence.Open, CancellationToken.None);
        var reason = outcome switch
        {
            SubmitOutcome.Rejected { Retryable: false } r => r.Reason,
            SubmitOutcome.Accepted a => Assert.IsType<PollOutcome.Failed>(await PollToEnd(a.Job)).Reason,
            _ => throw new Xunit.Sdk.XunitException($"expected a final failure, got {outcome}"),
        };
        Assert.Contains(Name, reason);
    }

    [Theory]
    [InlineData("[sim:429]")]
    [InlineData("[sim:503]")]
    public async Task Refusals_that_prove_nothing_was_created_are_retryable(string directive)
    {
        var outcome = Assert.IsType<SubmitOutcome.Rejected>(await Provider.SubmitAsync(Sample($"Crop {directive}"), SubmitFence.Open, CancellationToken.None));
        Assert.True(outcome.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(1), outcome.RetryAfter);
    }

    [Theory]
    [InlineData("[sim:500]")]
    [InlineData("[sim:stall]")]
    public async Task A_submit_whose_fate_is_unknown_is_ambiguous(string directive) =>
        Assert.IsType<SubmitOutcome.Ambiguous>(await Provider.SubmitAsync(Sample($"Crop {directive}"), SubmitFence.Open, CancellationToken.None));

    [Fact]
    public async Task A_refused_connection_is_retryable()
    {
        await _sim.DisposeAsync();
        var outcome = Assert.IsType<SubmitOutcome.Rejected>(await Provider.SubmitAsync(Sample("Crop"), SubmitFence.Open, CancellationToken.None));
        Assert.True(outcome.Retryable);
        _sim = await SimulatorServer.StartAsync();
    }

    [Fact]
    public void Unsupported_requests_are_rejected_at_import_naming_the_column()
    {
        var (request, column) = Unsupported;
        var problem = Assert.Single(Provider.Validate(request));
        Assert.Equal(column, problem.Column);
        Assert.Contains(Name, problem.Message);
    }

    /// <summary>A request the adapter must refuse itself, finally, without the provider seeing a submit.</summary>
    protected async Task AssertRefusedBeforeSubmitting(EditRequest request, string reason)
    {
        var outcome = Assert.IsType<SubmitOutcome.Rejected>(await Provider.SubmitAsync(request, SubmitFence.Open, CancellationToken.None));
        Assert.False(outcome.Retryable);
        Assert.Contains(reason, outcome.Reason);
        Assert.Equal(0, Sim.State.TotalSubmits);
    }

    private async Task<PollOutcome> PollToEnd(ProviderJob job)
    {
        for (var i = 0; i < 100; i++)
        {
            var outcome = await Provider.PollAsync(job, CancellationToken.None);
            if (outcome is not (PollOutcome.InProgress or PollOutcome.Transient)) return outcome;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name} job {job.JobId} did not finish");
    }

    protected static EditRequest Request(string model, string prompt, string? size = null, int images = 1, string? mask = null) =>
        Request(model, prompt, Enumerable.Range(1, images).Select(i => $"https://img.example.com/{i}.jpg").ToList(), size, mask);

    protected static EditRequest Request(string model, string prompt, IReadOnlyList<string> images, string? size = null, string? mask = null) =>
        new("SKU-1", model, prompt, images, mask, size, "medium", 1, null);
}

public class PixelDojoContractTests : ProviderContractTests
{
    protected override string Name => "pixeldojo";
    protected override string Section => "PixelDojo";
    protected override bool ReportsCost => true;
    protected override EditRequest Sample(string prompt) => Request("gpt-image-2-edit", prompt, "1:1");
    protected override (EditRequest, string) Unsupported => (Request("gpt-image-1-5-edit", "make it grey", mask: "https://img.example.com/m.png"), "mask_url");
}

public class GptImageApiContractTests : ProviderContractTests
{
    protected override string Name => "gptimageapi";
    protected override string Section => "GptImageApi";
    protected override bool ReportsCost => true;
    protected override bool Synchronous => true;
    protected override EditRequest Sample(string prompt) => Request("gpt-image-2", prompt, "4:3");
    protected override (EditRequest, string) Unsupported => (Request("gpt-image-2", "make it grey", "3:2"), "size");
}

public class GmiCloudContractTests : ProviderContractTests
{
    protected override string Name => "gmicloud";
    protected override string Section => "GmiCloud";
    protected override EditRequest Sample(string prompt) => Request("gpt-image-2-edit", prompt, "1024x1536");
    protected override (EditRequest, string) Unsupported => (Request("gpt-image-2-edit", "make it grey", images: 2), "image_url");

    [Fact]
    public async Task A_transparent_means_edit_mask_is_sent_converted_to_white_means_edit()
    {
        // The simulator answers 400 to anything but a black-and-white PNG with some white.
        var request = Request("gpt-image-2-edit", "Only the sky", [InputUrl("front")], "1:1", mask: InputUrl("sky-mask"));
        Assert.IsType<SubmitOutcome.Accepted>(await Provider.SubmitAsync(request, SubmitFence.Open, CancellationToken.None));
    }

    [Fact]
    public Task A_mask_without_transparency_is_refused_before_calling_gmi() => AssertRefusedBeforeSubmitting(
        Request("gpt-image-2-edit", "Only the sky", [InputUrl("front")], "1:1", mask: InputUrl("photo")), "no alpha channel");

    [Fact]
    public async Task A_submit_that_answers_success_needs_no_polling()
    {
        var outcome = await Provider.SubmitAsync(Sample("Relight [sim:sync]"), SubmitFence.Open, CancellationToken.None);
        Assert.Single(Assert.IsType<SubmitOutcome.Completed>(outcome).Outputs);
    }
}

public class WaveSpeedContractTests : ProviderContractTests
{
    protected override string Name => "wavespeed";
    protected override string Section => "WaveSpeed";
    protected override EditRequest Sample(string prompt) => Request("openai/gpt-image-2/edit", prompt, "2:3@2k");
    protected override (EditRequest, string) Unsupported => (Request("openai/gpt-image-2/edit", "make it grey", "7:5"), "size");
}

public class FalContractTests : ProviderContractTests
{
    protected override string Name => "fal";
    protected override string Section => "Fal";
    protected override EditRequest Sample(string prompt) => Request("openai/gpt-image-2/edit", prompt, "1024x1536");
    protected override (EditRequest, string) Unsupported => (Request("openai/gpt-image-2/edit", "make it grey", "20000x100"), "size");

    [Fact]
    public async Task Validation_errors_name_the_field_from_the_detail_array()
    {
        var outcome = Assert.IsType<SubmitOutcome.Rejected>(await Provider.SubmitAsync(Request("openai/gpt-image-2/edit", "x"), SubmitFence.Open, CancellationToken.None));
        Assert.False(outcome.Retryable);
        Assert.Contains("body.prompt: String should have at least 2 characters", outcome.Reason);
    }
}
