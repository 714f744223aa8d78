using System.Globalization;
using BatchEditor.Downloads;
using System.Net;
using System.Text.Json.Nodes;

namespace BatchEditor.Providers.OpenAI;

/// <summary>
/// OpenAI Images API <c>POST /v1/images/edits</c>: multipart with the row's images downloaded and sent as
/// <c>image[]</c> files (and the mask, whose transparent pixels mark the edit — the manifest's own convention).
/// Synchronous; outputs come back as <c>b64_json</c>, never URLs, and are kept inline until the copy step streams
/// them into storage. Cost from the <c>usage</c> tokens; a <c>moderation_blocked</c> refusal is final.
/// </summary>
public sealed class OpenAiProvider(HttpClient http, ProviderSettings settings, DownloadOptions deadlines) : IImageEditProvider
{
    public const string ProviderName = "openai";
    private const int MaxImages = 16;

    public string Name => ProviderName;
    public string DefaultModel => settings.Model ?? "gpt-image-2";

    public IEnumerable<RequestProblem> Validate(EditRequest request)
    {
        if (!OpenAiPricing.ByModel.ContainsKey(request.Model))
            yield return new("model", $"openai edit models are {string.Join(", ", OpenAiPricing.ByModel.Keys)}, not '{request.Model}'");
        if (request.ImageUrls.Count is 0 or > MaxImages)
            yield return new("image_url", $"openai takes 1 to {MaxImages} input images, this row has {request.ImageUrls.Count}");
        if (request.Prompt.Length > 32_000) yield return new("prompt", "openai prompts are at most 32,000 characters");
        if (OpenAiSizes.Map(request.Model, request.Size, out var why) is null) yield return new("size", why);
        if (request.N is < 1 or > 10) yield return new("n", $"openai n is 1 to 10, not {request.N}");
        if (request.OutputFormat is not (null or "png" or "jpeg" or "webp")) yield return new("output_format", "openai output_format is png, jpeg or webp");
    }

    public CostReport Estimate(EditRequest request)
    {
        var pricing = Pricing(request.Model);
        var (w, h) = OpenAiSizes.Pixels(OpenAiSizes.Map(request.Model, request.Size, out _) ?? "auto");
        var output = OpenAiPricing.OutputTokens(request.Model, w, h, request.Quality) * request.N;
        var text = request.Prompt.Length / 4 + 1;
        var images = (long)OpenAiPricing.EstimatedTokensPerInputImage * request.ImageUrls.Count;
        return new CostReport(0, pricing.Usd(text, images, output), Estimated: true, null,
            $"estimate: {output} output tokens at {w}x{h}, ~{images} input image tokens, ~{text} text tokens");
    }

    public async Task<SubmitOutcome> SubmitAsync(EditRequest request, SubmitFence fence, CancellationToken ct)
    {
        InputFiles inputs;
        try { inputs = await InputFiles.DownloadAsync(http, deadlines, request.ImageUrls, request.MaskUrl, ct); }
        catch (InputDownloadException e) { return new SubmitOutcome.Rejected($"openai not called: {e.Message}", null, e.Retryable, null); }
        await using var downloaded = inputs;

        using var form = new MultipartFormDataContent();
        inputs.AddTo(form);
        form.Add(new StringContent(request.Prompt), "prompt");
        form.Add(new StringContent(request.Model), "model");
        form.Add(new StringContent(request.N.ToString(CultureInfo.InvariantCulture)), "n");
        form.Add(new StringContent(OpenAiSizes.Map(request.Model, request.Size, out _) ?? "auto"), "size");
        if (request.Quality is { } quality) form.Add(new StringContent(quality), "quality");
        if (request.OutputFormat is { } format) form.Add(new StringContent(format), "output_format");

        using var message = ProviderHttp.Request(HttpMethod.Post, $"{settings.BaseUrl.TrimEnd('/')}/images/edits", "Bearer", settings.ApiKey, form);
        return await ProviderHttp.SubmitAsync(http, message, Name, (response, text) =>
        {
            var json = ProviderJson.TryParse(text);
            if (!response.IsSuccessStatusCode) return Refused(response, text, json);
            var images = (json?["data"]?.AsArray() ?? []).Select(d => d.Str("b64_json")).ToList();
            if (images.Count == 0 || images.Any(string.IsNullOrEmpty))
                return new SubmitOutcome.Ambiguous($"openai answered {(int)response.StatusCode} without b64_json images; it may have billed the edit", (int)response.StatusCode);
            var outputs = images.Select((b64, i) => new OutputRef(i, $"inline:openai/b64_json/{i + 1}", null, b64)).ToList();
            return new SubmitOutcome.Completed(null, outputs, Reported(request, json?["usage"]), (int)HttpStatusCode.OK);
        }, fence, ct, maxAnswerBytes: MaxAnswerBytes(request.N));
    }

    /// <summary>The answer carries the images as base64: up to 24 MiB each (a 4K PNG is about 16 MiB encoded).</summary>
    private static int MaxAnswerBytes(int images) => ProviderHttp.MaxAnswerBytes + Math.Clamp(images, 1, 10) * (24 << 20);

    public Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct) =>
        Task.FromResult<PollOutcome>(new PollOutcome.Failed("openai image edits are synchronous: there is no job to poll", Refunded: false));

    public ProviderJob? JobFromId(string jobId, string model) => null;

    /// <summary>The charge from the answer's <c>usage</c>; without it, the estimate stands and stays marked as one.</summary>
    private CostReport? Reported(EditRequest request, JsonNode? usage)
    {
        if (usage?["output_tokens"] is null) return null;
        var details = usage["input_tokens_details"];
        var imageIn = (long)(details.Dec("image_tokens") ?? 0);
        var textIn = (long)(details.Dec("text_tokens") ?? (usage.Dec("input_tokens") ?? 0) - imageIn);
        var output = (long)(usage.Dec("output_tokens") ?? 0);
        var usd = Pricing(request.Model).Usd(textIn, imageIn, output);
        return new CostReport(0, usd, Estimated: false, null, $"usage: {textIn} text + {imageIn} image input tokens, {output} output tokens");
    }

    private SubmitOutcome Refused(HttpResponseMessage response, string text, JsonNode? json)
    {
        var error = json?["error"] as JsonObject;
        var code = error.Str("code");
        if (error is null) return HttpOutcomes.SubmitRefused(response, text, Name);
        var detail = $"{(int)response.StatusCode} from openai ({code ?? error.Str("type") ?? "error"}): {error.Str("message")}";
        // A safety refusal is final: sending the same edit again would be refused again.
        if (code == "moderation_blocked") return new SubmitOutcome.Rejected(detail, (int)response.StatusCode, Retryable: false, null);
        if (HttpOutcomes.ProvesNotCreated(response.StatusCode)) return new SubmitOutcome.Rejected(detail, (int)response.StatusCode, Retryable: true, HttpOutcomes.RetryAfter(response));
        if ((int)response.StatusCode >= 500) return new SubmitOutcome.Ambiguous(detail + "; the edit may have run", (int)response.StatusCode);
        return new SubmitOutcome.Rejected(detail, (int)response.StatusCode, Retryable: false, null);
    }

    private static OpenAiPricing Pricing(string model) => OpenAiPricing.ByModel.GetValueOrDefault(model) ?? OpenAiPricing.ByModel["gpt-image-2"];
}
