using System.Text.Json.Nodes;
using BatchEditor.Downloads;
using BatchEditor.Imaging;

namespace BatchEditor.Providers.GmiCloud;

/// <summary>
/// GMI Cloud request queue: <c>POST /requests</c> with <c>{model, payload}</c>; the answer may already be
/// <c>success</c> (handled without polling); otherwise poll <c>GET /requests/{id}</c> through queued / dispatched /
/// processing to success / failed / cancelled. Pricing is not published: <c>PricePerImageUsd</c> in configuration.
/// GMI masks are white-means-edit: the manifest's transparent-means-edit mask is downloaded, converted
/// (<see cref="MaskConversion"/>) and sent as base64.
/// </summary>
public sealed class GmiCloudProvider(HttpClient http, ProviderSettings settings, DownloadOptions deadlines) : IImageEditProvider
{
    public const string ProviderName = "gmicloud";
    private const long MaxMaskBytes = 16L * 1024 * 1024;
    private static readonly string[] Sizes = ["1024x1024", "1024x1536", "1536x1024"];

    public string Name => ProviderName;
    public string DefaultModel => settings.Model ?? "gpt-image-2-edit";

    public IEnumerable<RequestProblem> Validate(EditRequest request)
    {
        if (request.Model != "gpt-image-2-edit") yield return new("model", $"gmicloud offers gpt-image-2-edit, not '{request.Model}'");
        if (request.ImageUrls.Count != 1) yield return new("image_url", $"gmicloud takes exactly 1 input image, this row has {request.ImageUrls.Count}");
        if (request.Size is not null && MapSize(request.Size) is null)
            yield return new("size", $"gmicloud sizes are {string.Join(", ", Sizes)} (1:1, 2:3, 3:2); '{request.Size}' is none of them");
        if (request.N is < 1 or > 10) yield return new("n", $"gmicloud n is 1 to 10, not {request.N}");
    }

    public CostReport Estimate(EditRequest request)
    {
        var usd = settings.PricePerImageUsd * request.N;
        return new CostReport(0, usd, Estimated: true, null, usd is null
            ? "gmicloud publishes no price: set Providers__GmiCloud__PricePerImageUsd"
            : $"{request.N} image(s) at the configured ${settings.PricePerImageUsd} each");
    }

    public async Task<SubmitOutcome> SubmitAsync(EditRequest request, SubmitFence fence, CancellationToken ct)
    {
        var payload = new JsonObject { ["prompt"] = request.Prompt, ["image"] = request.ImageUrls[0], ["size"] = MapSize(request.Size) ?? "1024x1024", ["n"] = request.N };
        if (request.Quality is { } q) payload["quality"] = q;
        if (request.MaskUrl is { } maskUrl)
        {
            try { payload["mask"] = Convert.ToBase64String(MaskConversion.TransparentToWhite(await InputDownload.GetBytesAsync(http, deadlines, maskUrl, "mask", MaxMaskBytes, ct))); }
            catch (InputDownloadException e) { return new SubmitOutcome.Rejected($"gmicloud not called: {e.Message}", null, e.Retryable, null); }
            catch (InvalidDataException e) { return new SubmitOutcome.Rejected($"gmicloud not called: the mask cannot be converted to white-means-edit: {e.Message}", null, false, null); }
        }
        var body = new JsonObject { ["model"] = request.Model, ["payload"] = payload };
        using var message = ProviderHttp.Request(HttpMethod.Post, $"{settings.BaseUrl.TrimEnd('/')}/requests", "Bearer", settings.ApiKey,
            System.Net.Http.Json.JsonContent.Create(body));
        return await ProviderHttp.SubmitAsync(http, message, Name, (response, text) =>
        {
            if (!response.IsSuccessStatusCode) return HttpOutcomes.SubmitRefused(response, text, Name);
            var json = ProviderJson.TryParse(text);
            if (json.Str("request_id") is not { } id)
                return new SubmitOutcome.Ambiguous($"gmicloud answered {(int)response.StatusCode} without a request_id: {HttpOutcomes.ErrorText(text)}", (int)response.StatusCode);
            var cost = Estimate(request);
            return json.Str("status") switch
            {
                // The docs call requests synchronous: a submit may already be done.
                "success" => new SubmitOutcome.Completed(id, Outputs(json), cost, (int)response.StatusCode, HttpOutcomes.Excerpt(text)),
                "failed" or "cancelled" => new SubmitOutcome.Rejected($"gmicloud request {id} {json.Str("status")}: {json.Str("error") ?? "no reason given"}", (int)response.StatusCode, false, null),
                _ => new SubmitOutcome.Accepted(new ProviderJob(id, $"{settings.BaseUrl.TrimEnd('/')}/requests/{id}", request.Model),
                    TimeSpan.Zero, null, cost, (int)response.StatusCode),
            };
        }, fence, ct);
    }

    public Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct) =>
        ProviderHttp.PollJsonAsync(http, job.StatusUrl, "Bearer", settings.ApiKey, Name, json => (json.Str("status") ?? "unknown") switch
        {
            "success" => new PollOutcome.Completed(Outputs(json), null, ProviderJson.Excerpt(json)),
            "failed" or "cancelled" => new PollOutcome.Failed($"gmicloud request {json.Str("status")}: {json.Str("error") ?? "no reason given"}", Refunded: false),
            var status => new PollOutcome.InProgress(status, null),
        }, ct);

    public ProviderJob JobFromId(string jobId, string model) => new(jobId, $"{settings.BaseUrl.TrimEnd('/')}/requests/{jobId}", model);

    private static List<OutputRef> Outputs(JsonNode? json) =>
        (json?["outcome"]?["media_urls"]?.AsArray() ?? []).Select(m => m.Str("url")).OfType<string>()
            .Select((url, i) => new OutputRef(i, url, null)).ToList();

    private static string? MapSize(string? size)
    {
        var spec = SizeSpec.Parse(size);
        if (spec is null || spec.IsAuto) return "1024x1024";
        return spec.Aspect switch { (1, 1) => "1024x1024", (2, 3) => "1024x1536", (3, 2) => "1536x1024", _ => null };
    }
}
