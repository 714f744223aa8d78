using System.Text.Json.Nodes;

namespace BatchEditor.ProviderSim.Protocols;

/// <summary>gptimageapi.dev (docs/providers.md §2): synchronous; <c>code != 0</c> is an error whatever the HTTP status.</summary>
public static class GptImageApiProtocol
{
    private static readonly Dictionary<string, (int W, int H)> Sizes = new()
    {
        ["1:1"] = (1024, 1024), ["4:3"] = (1024, 768), ["16:9"] = (1024, 576), ["9:21"] = (576, 1344), ["1:2"] = (512, 1024), ["2:1"] = (1024, 512),
    };

    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/gptimageapi/v1/images/edit", async (HttpRequest request, SimState sim, CancellationToken ct) =>
    {
        if (SimAuth.BearerKey(request) is not { } key) return Results.Json(new { code = 401, message = "invalid api key" }, statusCode: 401);
        var body = await SimAuth.ReadJson(request, ct);
        var prompt = body?["prompt"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(prompt) || body?["image"] is null) return Results.Json(new { code = 1001, message = "prompt and image are required" });
        var sizeName = body["size"]?.GetValue<string>() ?? "1:1";
        if (!Sizes.TryGetValue(sizeName, out var size)) return Results.Json(new { code = 1002, message = $"unsupported size {sizeName}" });
        var script = SimScript.Parse(prompt);
        if (await sim.GateSubmitAsync("gptimageapi", prompt, script, ct) is { } refused) return refused;
        // A refusal answered with HTTP 200 and a non-zero code: the quirk adapters must read.
        if (script.Fail) return Results.Json(new { code = 2001, message = "Image generation failed: content policy", data = (object?)null });
        // A synchronous edit runs (and is billed) whether or not the caller is still listening: not cancelled with the request.
        if (script.Latency is { } latency) await Task.Delay(latency, CancellationToken.None);
        // Billed at the published credits per image.
        var count = body["n"]?.GetValue<int>() ?? 1;
        var credits = (body["quality"]?.GetValue<string>() switch { "low" => 4m, "high" => 16m, _ => 8m }) * count;
        var job = sim.NewJob("gptimageapi", "gpt-image-2", prompt, size.W, size.H, count, credits, script with { Latency = TimeSpan.Zero });
        sim.Charge(key, credits, prompt);
        if (script.CreateThen500) return Results.Json(new { code = 500, message = "internal error" }, statusCode: 500);
        // A proxy's error page with a success status: the edit ran, the answer cannot be read.
        if (script.Garbage) return Results.Text("<html><body>upstream hiccup</body></html>", "text/html");
        var images = sim.OutputUrls(job, SimAuth.Origin(request)).Select(u => new JsonObject { ["url"] = u }).ToArray<JsonNode?>();
        return Results.Json(new { code = 0, message = "ok", data = new { images = new JsonArray(images) } });
    });
}
