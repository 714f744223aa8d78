using System.Net;
using System.Text.Json.Nodes;

namespace BatchEditor.Providers.PixelDojo;

/// <summary>
/// PixelDojo: <c>POST /models/{apiId}/run</c> answers 202 with a job and a <c>statusUrl</c>; poll that URL until
/// <c>completed</c> or <c>failed</c>. Credits are charged at submit and refunded on failure.
/// </summary>
public sealed class PixelDojoProvider(HttpClient http, ProviderSettings settings) : IImageEditProvider
{
    public const string ProviderName = "pixeldojo";
    private static readonly string[] Qualities = ["low", "medium", "high"];
    private static readonly string[] Formats = ["png", "jpeg", "webp"];

    public string Name => ProviderName;

    public string DefaultModel => settings.Model ?? PixelDojoModel.GptImage2.ApiId;

    public IEnumerable<RequestProblem> Validate(EditRequest request)
    {
        var model = PixelDojoModel.Find(request.Model);
        if (model is null)
        {
            yield return new("model", $"pixeldojo has no edit model '{request.Model}' (gpt-image-2-edit, gpt-image-1-5-edit)");
            yield break;
        }
        if (request.ImageUrls.Count is < 1 or > 8)
            yield return new("image_url", $"pixeldojo takes 1 to 8 reference images, this row has {request.ImageUrls.Count}");
        if (request.MaskUrl is not null && !model.TakesMask)
            yield return new("mask_url", $"pixeldojo {model.ApiId} takes no mask (only gpt-image-2-edit does)");
        PixelDojoModel.ImageSize(request.Size, out var sizeProblem);
        if (sizeProblem is not null) yield return new("size", sizeProblem);
        if (request.Quality is { } q && !Qualities.Contains(q))
            yield return new("quality", $"pixeldojo quality is low, medium or high, not '{q}'");
        if (request.N is < 1 or > 4)
            yield return new("n", $"pixeldojo num_images is 1 to 4, not {request.N}");
        if (request.OutputFormat is { } f && !Formats.Contains(f))
            yield return new("output_format", $"pixeldojo output_format is png, jpeg or webp, not '{f}'");
    }

    public CostReport Estimate(EditRequest request)
    {
        var credits = (PixelDojoModel.Find(request.Model)?.Credits ?? PixelDojoModel.GptImage2.Credits) * request.N;
        return new CostReport(credits, settings.ToUsd(credits), Estimated: true, null, $"estimate: {credits} credits");
    }

    public async Task<SubmitOutcome> SubmitAsync(EditRequest request, SubmitFence fence, CancellationToken ct)
    {
        var model = PixelDojoModel.Find(request.Model) ?? PixelDojoModel.GptImage2;
        var body = new PixelDojoRunRequest(
            request.Prompt, request.ImageUrls, request.MaskUrl,
            PixelDojoModel.ImageSize(request.Size, out _), request.Quality, request.N, request.OutputFormat);
        var message = ProviderHttp.Request(HttpMethod.Post, $"{settings.BaseUrl.TrimEnd('/')}/models/{model.ApiId}/run", "Bearer", settings.ApiKey, ProviderJson.Body(body));
        using (message)
            return await ProviderHttp.SubmitAsync(http, message, Name, (response, text) =>
            {
                if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
                    return HttpOutcomes.SubmitRefused(response, text, Name);
                var json = ProviderJson.TryParse(text);
                if (json.Str("jobId") is not { } jobId)
                    return new SubmitOutcome.Ambiguous($"pixeldojo answered {(int)response.StatusCode} without a jobId: {HttpOutcomes.ErrorText(text)}", (int)response.StatusCode);
                var statusUrl = json.Str("statusUrl") ?? $"{settings.BaseUrl.TrimEnd('/')}/jobs/{jobId}";
                return new SubmitOutcome.Accepted(new ProviderJob(jobId, statusUrl, model.ApiId), TimeSpan.Zero,
                    json.Time("expiresAt"), ReportedCost(json, "charged at submit"), (int)response.StatusCode);
            }, fence, ct);
    }

    public Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct) =>
        ProviderHttp.PollJsonAsync(http, job.StatusUrl, "Bearer", settings.ApiKey, Name, json => (json.Str("status") ?? "unknown") switch
        {
            "completed" => new PollOutcome.Completed(Outputs(json), ReportedCost(json, "reported at completion"), ProviderJson.Excerpt(json)),
            // Failed jobs are refunded (docs/providers.md §1); `error` may be a string or an object (unconfirmed).
            "failed" => new PollOutcome.Failed($"pixeldojo job failed: {json.Str("error") ?? "no reason given"}", Refunded: true),
            var status => new PollOutcome.InProgress(status, null),
        }, ct);

    public ProviderJob JobFromId(string jobId, string model) => new(jobId, $"{settings.BaseUrl.TrimEnd('/')}/jobs/{jobId}", model);

    /// <summary><c>output.images</c> is an array of strings; an older shape has <c>output.image</c>: accept both.</summary>
    private static List<OutputRef> Outputs(JsonNode? json)
    {
        var expires = json.Time("expiresAt");
        var output = json?["output"];
        var urls = output?["images"] is JsonArray images
            ? images.Select(i => i is JsonValue v && v.TryGetValue<string>(out var s) ? s : i?["url"]?.GetValue<string>()).OfType<string>().ToList()
            : output.Str("image") is { } one ? [one] : [];
        return urls.Select((url, i) => new OutputRef(i, url, expires)).ToList();
    }

    private CostReport? ReportedCost(JsonNode? json, string when) =>
        json.Dec("creditCost") is { } credits
            ? new CostReport(credits, settings.ToUsd(credits), Estimated: false, json.Dec("creditsRemaining"), $"pixeldojo creditCost {when}")
            : null;
}

internal sealed record PixelDojoRunRequest(
    string Prompt, IReadOnlyList<string> ImageUrls, string? MaskUrl, string? ImageSize, string? Quality, int NumImages, string? OutputFormat);
