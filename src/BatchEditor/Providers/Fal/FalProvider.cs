using System.Net;
using System.Text.Json.Nodes;

namespace BatchEditor.Providers.Fal;

/// <summary>
/// fal queue (<c>openai/gpt-image-2/edit</c>): submit answers with its own status, response and cancel URLs, which are
/// used as given (they drop the <c>/edit</c> sub-path, so they are never rebuilt). Status is 202 while waiting and
/// 200 when COMPLETED, and COMPLETED may still be a failure: the response URL decides. Priced per image.
/// </summary>
public sealed class FalProvider(HttpClient http, ProviderSettings settings) : IImageEditProvider
{
    public const string ProviderName = "fal";
    private static readonly Dictionary<string, (int W, int H)> Presets = new()
    {
        ["square_hd"] = (1024, 1024), ["square"] = (512, 512), ["portrait_4_3"] = (768, 1024), ["portrait_16_9"] = (576, 1024),
        ["landscape_4_3"] = (1024, 768), ["landscape_16_9"] = (1024, 576),
    };

    public string Name => ProviderName;
    public string DefaultModel => settings.Model ?? "openai/gpt-image-2/edit";

    public IEnumerable<RequestProblem> Validate(EditRequest request)
    {
        if (request.Model is not ("openai/gpt-image-2/edit" or "fal-ai/gpt-image-1.5/edit"))
            yield return new("model", $"fal models are openai/gpt-image-2/edit and fal-ai/gpt-image-1.5/edit, not '{request.Model}'");
        if (request.Prompt.Length < 2) yield return new("prompt", "fal needs a prompt of at least 2 characters");
        if (request.Size is not null && ImageSize(request.Size) is null)
            yield return new("size", $"fal takes a preset ({string.Join(", ", Presets.Keys)}, auto) or WxH with sides up to 14142; '{request.Size}' is neither");
        if (request.N is < 1 or > 4) yield return new("n", $"fal num_images is 1 to 4, not {request.N}");
        if (request.OutputFormat is not (null or "png" or "jpeg" or "webp")) yield return new("output_format", "fal output_format is jpeg, png or webp");
    }

    public CostReport Estimate(EditRequest request)
    {
        var (w, h) = Pixels(request.Size);
        var large = (long)w * h > 4_000_000;
        var perImage = (request.Quality, large) switch
        {
            ("low", false) => 0.01m, ("low", true) => 0.02m,
            ("medium", false) => 0.06m, ("medium", true) => 0.11m,
            (_, false) => 0.22m, (_, true) => 0.41m, // fal's default quality is high
        };
        return new CostReport(0, perImage * request.N, Estimated: true, null, $"{request.N} image(s) at ${perImage} ({w}x{h}, {request.Quality ?? "high"})");
    }

    public async Task<SubmitOutcome> SubmitAsync(EditRequest request, SubmitFence fence, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["prompt"] = request.Prompt,
            ["image_urls"] = new JsonArray(request.ImageUrls.Select(u => (JsonNode)u).ToArray()),
            ["num_images"] = request.N,
        };
        if (ImageSize(request.Size) is { } size) body["image_size"] = size;
        if (request.Quality is { } q and not "auto") body["quality"] = q;
        if (request.OutputFormat is { } f) body["output_format"] = f;
        if (request.MaskUrl is { } mask) body[request.Model.StartsWith("fal-ai/", StringComparison.Ordinal) ? "mask_image_url" : "mask_url"] = mask;
        using var message = ProviderHttp.Request(HttpMethod.Post, $"{settings.BaseUrl.TrimEnd('/')}/{request.Model}", "Key", settings.ApiKey,
            System.Net.Http.Json.JsonContent.Create(body));
        return await ProviderHttp.SubmitAsync(http, message, Name, (response, text) =>
        {
            if (!response.IsSuccessStatusCode) return Refused(response, text);
            var json = ProviderJson.TryParse(text);
            if (json.Str("request_id") is not { } id || json.Str("status_url") is not { } statusUrl)
                return new SubmitOutcome.Ambiguous($"fal answered {(int)response.StatusCode} without request_id/status_url", (int)response.StatusCode);
            var job = new ProviderJob(id, statusUrl, request.Model, json.Str("response_url"));
            return new SubmitOutcome.Accepted(job, TimeSpan.Zero, null, Estimate(request), (int)response.StatusCode);
        }, fence, ct);
    }

    public async Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct)
    {
        using var message = ProviderHttp.Request(HttpMethod.Get, job.StatusUrl, "Key", settings.ApiKey);
        return await ProviderHttp.PollAsync(http, message, Name, async (response, text) =>
        {
            if (!response.IsSuccessStatusCode) return HttpOutcomes.PollRefused(response, text, Name);
            var status = ProviderJson.TryParse(text).Str("status") ?? "unknown";
            if (status != "COMPLETED") return new PollOutcome.InProgress(status, null);
            return await ResultAsync(job, ct);
        }, ct);
    }

    /// <summary>
    /// fal's own URLs are used whenever a submit answer gave them; for a job known only by its id they are built the way
    /// fal builds them: the model path without its <c>/edit</c> sub-path, then <c>/requests/{id}</c>.
    /// </summary>
    public ProviderJob JobFromId(string jobId, string model)
    {
        var root = $"{settings.BaseUrl.TrimEnd('/')}/{(model.EndsWith("/edit", StringComparison.Ordinal) ? model[..^"/edit".Length] : model)}/requests/{jobId}";
        return new(jobId, $"{root}/status", model, root);
    }

    /// <summary>COMPLETED only says the request ended: the response URL says whether it produced images.</summary>
    private async Task<PollOutcome> ResultAsync(ProviderJob job, CancellationToken ct)
    {
        using var message = ProviderHttp.Request(HttpMethod.Get, job.ResultUrl ?? job.StatusUrl, "Key", settings.ApiKey);
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        var text = await ProviderHttp.ReadAnswerAsync(response, ProviderHttp.MaxAnswerBytes, ct);
        if (HttpOutcomes.IsTransient(response.StatusCode) && response.Headers.Contains("X-Fal-Error-Type") is false)
            return new PollOutcome.Transient($"{(int)response.StatusCode} fetching the fal result", HttpOutcomes.RetryAfter(response));
        if (!response.IsSuccessStatusCode)
            return new PollOutcome.Failed($"fal request failed ({(int)response.StatusCode}{ErrorType(response)}): {Detail(text)}", Refunded: false);
        var images = ProviderJson.TryParse(text)?["images"]?.AsArray() ?? [];
        if (images.Count == 0) return new PollOutcome.Failed($"fal request completed without images: {Detail(text)}", Refunded: false);
        return new PollOutcome.Completed(images.Select(i => i.Str("url")).OfType<string>().Select((u, n) => new OutputRef(n, u, null)).ToList(), null);
    }

    private SubmitOutcome Refused(HttpResponseMessage response, string text)
    {
        // fal retries infrastructure failures itself; validation (422) and other 4xx are final.
        var outcome = HttpOutcomes.SubmitRefused(response, text, Name);
        var detail = $"{(int)response.StatusCode} from fal{ErrorType(response)}: {Detail(text)}";
        return outcome switch
        {
            SubmitOutcome.Rejected r => r with { Reason = detail },
            SubmitOutcome.Ambiguous a => a with { Reason = detail + "; the request may exist" },
            _ => outcome,
        };
    }

    private static string ErrorType(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Fal-Error-Type", out var v) ? $", {string.Join(",", v)}" : "";

    /// <summary>422 answers carry a <c>detail</c> array of {loc, msg}; infrastructure errors a string.</summary>
    private static string Detail(string text)
    {
        var detail = ProviderJson.TryParse(text)?["detail"];
        return detail is JsonArray items
            ? string.Join("; ", items.Select(i => $"{string.Join('.', (i?["loc"]?.AsArray() ?? []).Select(l => l?.ToString()))}: {i.Str("msg")}"))
            : detail?.ToString() ?? HttpOutcomes.ErrorText(text);
    }

    private static JsonNode? ImageSize(string? size)
    {
        var spec = SizeSpec.Parse(size);
        if (spec is null) return null;
        if (spec.Preset is { } preset) return preset == "auto" || Presets.ContainsKey(preset) ? preset : null;
        if (spec.Width is { } w && spec.Height is { } h) return w <= 14142 && h <= 14142 ? new JsonObject { ["width"] = w, ["height"] = h } : null;
        return spec.Aspect switch
        {
            (1, 1) => "square_hd", (3, 4) => "portrait_4_3", (9, 16) => "portrait_16_9", (4, 3) => "landscape_4_3", (16, 9) => "landscape_16_9",
            _ => null,
        };
    }

    private static (int W, int H) Pixels(string? size) => ImageSize(size) switch
    {
        JsonObject o => (o["width"]!.GetValue<int>(), o["height"]!.GetValue<int>()),
        JsonValue v when Presets.TryGetValue(v.GetValue<string>(), out var p) => p,
        _ => (1024, 1024),
    };
}
