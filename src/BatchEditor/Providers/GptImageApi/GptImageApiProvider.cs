using System.Net;

namespace BatchEditor.Providers.GptImageApi;

/// <summary>
/// gptimageapi.dev: synchronous <c>POST /images/edit</c>; the outputs come back in the answer. <c>code != 0</c> is an
/// error whatever the HTTP status. Sizes are aspect ratios; credits 4 / 8 / 16 per image by quality.
/// </summary>
public sealed class GptImageApiProvider(HttpClient http, ProviderSettings settings) : IImageEditProvider
{
    public const string ProviderName = "gptimageapi";
    private static readonly string[] Aspects = ["1:1", "4:3", "16:9", "9:21", "1:2", "2:1"];

    public string Name => ProviderName;
    public string DefaultModel => settings.Model ?? "gpt-image-2";

    public IEnumerable<RequestProblem> Validate(EditRequest request)
    {
        if (request.Model != "gpt-image-2") yield return new("model", $"gptimageapi offers gpt-image-2 only, not '{request.Model}'");
        if (request.ImageUrls.Count != 1) yield return new("image_url", $"gptimageapi takes exactly 1 input image, this row has {request.ImageUrls.Count}");
        if (request.MaskUrl is not null) yield return new("mask_url", "gptimageapi takes no mask");
        if (request.Size is not null && Aspect(request.Size) is null)
            yield return new("size", $"gptimageapi sizes are the aspect ratios {string.Join(", ", Aspects)}; '{request.Size}' is none of them");
        if (request.Quality is "auto") yield return new("quality", "gptimageapi quality is low, medium or high");
        if (request.N is < 1 or > 4) yield return new("n", $"gptimageapi n is 1 to 4, not {request.N}");
        if (request.OutputFormat is not (null or "png")) yield return new("output_format", "gptimageapi returns png only");
    }

    public CostReport Estimate(EditRequest request)
    {
        var credits = CreditsPerImage(request.Quality) * request.N;
        return new CostReport(credits, settings.ToUsd(credits), Estimated: true, null, $"{credits} credits ({CreditsPerImage(request.Quality)} per {request.Quality ?? "medium"} image)");
    }

    public async Task<SubmitOutcome> SubmitAsync(EditRequest request, SubmitFence fence, CancellationToken ct)
    {
        var body = new { prompt = request.Prompt, image = request.ImageUrls[0], model = request.Model, size = Aspect(request.Size) ?? "1:1", quality = request.Quality ?? "medium", n = request.N };
        using var message = ProviderHttp.Request(HttpMethod.Post, $"{settings.BaseUrl.TrimEnd('/')}/images/edit", "Bearer", settings.ApiKey, ProviderJson.Body(body));
        return await ProviderHttp.SubmitAsync(http, message, Name, (response, text) =>
        {
            var json = ProviderJson.TryParse(text);
            var code = json.Dec("code");
            if (HttpOutcomes.IsTransient(response.StatusCode)) return HttpOutcomes.SubmitRefused(response, text, Name);
            // A success status whose body cannot be read says nothing about the edit: it may have run and be billed.
            if (response.IsSuccessStatusCode && code is null)
                return new SubmitOutcome.Ambiguous($"gptimageapi answered {(int)response.StatusCode} with an unreadable body (no code): {HttpOutcomes.Excerpt(text)}; the edit may have run", (int)response.StatusCode);
            if (!response.IsSuccessStatusCode || code != 0)
            {
                // code != 0 with an answer: the service refused the request; nothing was generated.
                return new SubmitOutcome.Rejected($"gptimageapi refused the edit (code {code?.ToString() ?? "none"}, HTTP {(int)response.StatusCode}): {json.Str("message") ?? HttpOutcomes.ErrorText(text)}",
                    (int)response.StatusCode, Retryable: false, null);
            }
            var urls = (json?["data"]?["images"]?.AsArray() ?? []).Select(i => i.Str("url")).OfType<string>().ToList();
            // Synchronous, and the service reports no cost: the per-quality credit price is the charge.
            var cost = Estimate(request) with { Estimated = false, Note = "gptimageapi published credits per image" };
            return new SubmitOutcome.Completed(null, urls.Select((u, i) => new OutputRef(i, u, null)).ToList(), cost, (int)HttpStatusCode.OK, HttpOutcomes.Excerpt(text));
        }, fence, ct);
    }

    public Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct) =>
        Task.FromResult<PollOutcome>(new PollOutcome.Failed("gptimageapi is synchronous: there is no job to poll", Refunded: false));

    public ProviderJob? JobFromId(string jobId, string model) => null;

    private static decimal CreditsPerImage(string? quality) => quality switch { "low" => 4, "high" => 16, _ => 8 };

    /// <summary>A manifest size as one of the provider's aspect ratios (W×H sizes reduce to their ratio).</summary>
    private static string? Aspect(string? size)
    {
        if (SizeSpec.Parse(size)?.Aspect is not { } a) return null;
        var text = $"{a.W}:{a.H}";
        return Aspects.Contains(text) ? text : null;
    }
}
