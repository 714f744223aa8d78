using System.Text.Json.Nodes;

namespace BatchEditor.Providers.WaveSpeed;

/// <summary>
/// WaveSpeedAI <c>openai/gpt-image-2/edit</c> (and <c>gpt-image-1.5/edit</c>): every answer is a
/// <c>{code, message, data}</c> envelope; poll <c>data.urls.get</c> no faster than every 2 s; a failed job still
/// answers HTTP 200, so <c>data.status</c> and <c>data.error</c> decide. Cost from the GPT Image 2 token formula.
/// </summary>
public sealed class WaveSpeedProvider(HttpClient http, ProviderSettings settings) : IImageEditProvider
{
    public const string ProviderName = "wavespeed";
    private const decimal UsdPerOutputToken = 0.00003m;
    private static readonly TimeSpan MinPoll = TimeSpan.FromSeconds(2);
    private static readonly string[] Aspects = ["1:1", "3:2", "2:3", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"];
    private static readonly string[] Resolutions = ["1k", "2k", "4k"];

    public string Name => ProviderName;
    public string DefaultModel => settings.Model ?? "openai/gpt-image-2/edit";

    public IEnumerable<RequestProblem> Validate(EditRequest request)
    {
        if (request.Model is not ("openai/gpt-image-2/edit" or "openai/gpt-image-1.5/edit"))
            yield return new("model", $"wavespeed models are openai/gpt-image-2/edit and openai/gpt-image-1.5/edit, not '{request.Model}'");
        if (request.ImageUrls.Count == 0) yield return new("image_url", "wavespeed needs at least one image");
        if (request.MaskUrl is not null) yield return new("mask_url", "wavespeed's gpt-image edit endpoints take no mask");
        if (request.N != 1) yield return new("n", "wavespeed returns one image per request (n = 1)");
        if (request.Size is not null && Map(request.Size) is null)
            yield return new("size", $"wavespeed takes an aspect ratio ({string.Join(", ", Aspects)}) at 1k/2k/4k, e.g. 2:3 or 2:3@2k; '{request.Size}' is none of them");
        if (request.Quality is "auto") yield return new("quality", "wavespeed quality is low, medium or high");
    }

    public CostReport Estimate(EditRequest request)
    {
        var (w, h) = Pixels(Map(request.Size) ?? ("1:1", "1k"));
        var tokens = GptImageTokens.OutputTokens(w, h, request.Quality);
        var usd = tokens * UsdPerOutputToken;
        // Input image tokens have no published formula for gpt-image-2: the figure stays marked as estimated.
        return new CostReport(0, usd, Estimated: true, null, $"estimate: {tokens} output tokens at {w}x{h} (input tokens not included)");
    }

    public async Task<SubmitOutcome> SubmitAsync(EditRequest request, SubmitFence fence, CancellationToken ct)
    {
        var (aspect, resolution) = Map(request.Size) ?? (null, "1k");
        var body = new JsonObject
        {
            ["images"] = new JsonArray(request.ImageUrls.Select(u => (JsonNode)u).ToArray()),
            ["prompt"] = request.Prompt,
            ["quality"] = request.Quality ?? "medium",
            ["enable_sync_mode"] = false,
            ["enable_base64_output"] = false,
        };
        if (request.Model.Contains("1.5", StringComparison.Ordinal)) body["size"] = request.Size ?? "1024x1024";
        else { if (aspect is not null) body["aspect_ratio"] = aspect; body["resolution"] = resolution; }

        using var message = ProviderHttp.Request(HttpMethod.Post, $"{settings.BaseUrl.TrimEnd('/')}/{request.Model}", "Bearer", settings.ApiKey,
            System.Net.Http.Json.JsonContent.Create(body));
        return await ProviderHttp.SubmitAsync(http, message, Name, (response, text) =>
        {
            var json = ProviderJson.TryParse(text);
            var data = json?["data"];
            if (!response.IsSuccessStatusCode) return HttpOutcomes.SubmitRefused(response, text, Name);
            if (json.Dec("code") is { } code && code != 200)
            {
                // The envelope's code carries the real status when the HTTP status does not.
                using var envelope = new HttpResponseMessage((System.Net.HttpStatusCode)(int)code);
                return HttpOutcomes.SubmitRefused(envelope, json.Str("message") ?? text, Name);
            }
            if (data.Str("id") is not { } id)
                return new SubmitOutcome.Ambiguous($"wavespeed answered {(int)response.StatusCode} without a job id: {HttpOutcomes.ErrorText(text)}", (int)response.StatusCode);
            var getUrl = data?["urls"].Str("get") ?? $"{settings.BaseUrl.TrimEnd('/')}/predictions/{id}/result";
            return new SubmitOutcome.Accepted(new ProviderJob(id, getUrl, request.Model), MinPoll, null, Estimate(request), (int)response.StatusCode);
        }, fence, ct);
    }

    public Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct) =>
        ProviderHttp.PollJsonAsync(http, job.StatusUrl, "Bearer", settings.ApiKey, Name, json =>
        {
            var data = json?["data"];
            return (data.Str("status") ?? "unknown") switch
            {
                // Outputs are kept 7 days (docs/providers.md §4).
                "completed" => new PollOutcome.Completed(
                    (data?["outputs"]?.AsArray() ?? []).Select(o => o?.GetValue<string>()).OfType<string>()
                        .Select((u, i) => new OutputRef(i, u, DateTimeOffset.UtcNow.AddDays(7))).ToList(), null, ProviderJson.Excerpt(json)),
                // A failed job answers HTTP 200 with code 200: only data.status says so.
                "failed" => new PollOutcome.Failed($"wavespeed job failed: {(data.Str("error") is { Length: > 0 } e ? e : "no reason given")}", Refunded: false),
                var status => new PollOutcome.InProgress(status, MinPoll),
            };
        }, ct);

    public ProviderJob JobFromId(string jobId, string model) => new(jobId, $"{settings.BaseUrl.TrimEnd('/')}/predictions/{jobId}/result", model);

    /// <summary>Manifest size → (aspect_ratio, resolution). Accepts "2:3", "2:3@2k", "1536x1024" (1k), "auto".</summary>
    internal static (string? Aspect, string Resolution)? Map(string? size)
    {
        if (size is null || size.Equals("auto", StringComparison.OrdinalIgnoreCase)) return (null, "1k");
        var parts = size.ToLowerInvariant().Split('@');
        var resolution = parts.Length == 2 ? parts[1] : "1k";
        if (!Resolutions.Contains(resolution) || SizeSpec.Parse(parts[0])?.Aspect is not { } a) return null;
        var aspect = $"{a.W}:{a.H}";
        return Aspects.Contains(aspect) ? (aspect, resolution) : null;
    }

    /// <summary>The output's pixel size for the cost estimate: the short side is 1024 at 1k, 2048 at 2k, 2160 at 4k.</summary>
    internal static (int W, int H) Pixels((string? Aspect, string Resolution) size)
    {
        var shortSide = size.Resolution switch { "2k" => 2048, "4k" => 2160, _ => 1024 };
        var (aw, ah) = size.Aspect?.Split(':') is [var x, var y] ? (int.Parse(x, System.Globalization.CultureInfo.InvariantCulture), int.Parse(y, System.Globalization.CultureInfo.InvariantCulture)) : (1, 1);
        var longSide = Math.Min(3840, (int)Math.Round(shortSide * (double)Math.Max(aw, ah) / Math.Min(aw, ah) / 16) * 16);
        return aw >= ah ? (longSide, shortSide) : (shortSide, longSide);
    }
}
