namespace BatchEditor.ProviderSim.Protocols;

/// <summary>GMI Cloud request queue (docs/providers.md §3): queued → dispatched → processing → success/failed; [sim:sync] answers success at once.</summary>
public static class GmiCloudProtocol
{
    private const string Prefix = "/gmicloud/api/v1/ie/requestqueue/apikey";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost($"{Prefix}/requests", async (HttpRequest request, SimState sim, CancellationToken ct) =>
        {
            if (SimAuth.BearerKey(request) is null) return Results.Json(new { error = "unauthorized" }, statusCode: 401);
            var body = await SimAuth.ReadJson(request, ct);
            var payload = body?["payload"];
            var prompt = payload?["prompt"]?.GetValue<string>();
            if (body?["model"]?.GetValue<string>() != "gpt-image-2-edit" || string.IsNullOrWhiteSpace(prompt) || payload?["image"] is null)
                return Results.Json(new { error = "model gpt-image-2-edit, payload.prompt and payload.image are required" }, statusCode: 400);
            if (payload["mask"] is { } mask && !IsWhiteMeansEditMask(mask.GetValue<string>()))
                return Results.Json(new { error = "payload.mask must be a base64 black-and-white PNG (white = edit)" }, statusCode: 400);
            var (w, h) = (payload["size"]?.GetValue<string>() ?? "1024x1024") switch { "1024x1536" => (1024, 1536), "1536x1024" => (1536, 1024), _ => (1024, 1024) };
            var script = SimScript.Parse(prompt);
            if (await sim.GateSubmitAsync("gmicloud", prompt, script, ct) is { } refused) return refused;
            var job = sim.NewJob("gmicloud", "gpt-image-2-edit", prompt, w, h, payload["n"]?.GetValue<int>() ?? 1, 0,
                prompt.Contains("[sim:sync]", StringComparison.Ordinal) ? script with { Latency = TimeSpan.Zero } : script);
            if (script.CreateThen500) return Results.Json(new { error = "internal error" }, statusCode: 500);
            return Results.Json(Describe(job, sim, SimAuth.Origin(request)));
        });
        app.MapGet($"{Prefix}/requests/{{id}}", (string id, HttpRequest request, SimState sim) =>
        {
            if (SimAuth.BearerKey(request) is null) return Results.Json(new { error = "unauthorized" }, statusCode: 401);
            sim.CountPoll();
            return sim.Jobs.TryGetValue(id, out var job) ? Results.Json(Describe(job, sim, SimAuth.Origin(request))) : Results.Json(new { error = "not found" }, statusCode: 404);
        });
    }

    private static object Describe(SimJob job, SimState sim, string origin)
    {
        var phase = sim.Phase(job);
        if (phase != "done")
            return new { request_id = job.Id, model = job.Model, status = phase == "queued" ? "queued" : "processing", outcome = (object?)null };
        if (job.Script.Fail) return new { request_id = job.Id, model = job.Model, status = "failed", outcome = (object?)null, error = "generation failed: unsafe content" };
        var urls = sim.OutputUrls(job, origin);
        return new
        {
            request_id = job.Id, model = job.Model, status = "success",
            outcome = new { media_urls = urls.Select((u, i) => new { id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), url = u }), thumbnail_image_url = urls[0] },
        };
    }

    /// <summary>GMI reads white as "edit": a greyscale PNG of black and white only, with some white.</summary>
    private static bool IsWhiteMeansEditMask(string base64)
    {
        try
        {
            using var codec = SkiaSharp.SKCodec.Create(new MemoryStream(Convert.FromBase64String(base64)));
            if (codec is not { Info.ColorType: SkiaSharp.SKColorType.Gray8 }) return false;
            using var image = SkiaSharp.SKBitmap.Decode(codec);
            var pixels = image.GetPixelSpan().ToArray();
            return pixels.All(p => p is 0 or 255) && pixels.Contains((byte)255);
        }
        catch (FormatException) { return false; }
    }
}
