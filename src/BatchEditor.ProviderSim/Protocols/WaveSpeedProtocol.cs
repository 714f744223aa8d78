namespace BatchEditor.ProviderSim.Protocols;

/// <summary>WaveSpeedAI (docs/providers.md §4): the code/message/data envelope; a failed job still answers HTTP 200.</summary>
public static class WaveSpeedProtocol
{
    private const string Prefix = "/wavespeed/api/v3";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost($"{Prefix}/openai/{{model}}/edit", async (string model, HttpRequest request, SimState sim, CancellationToken ct) =>
        {
            if (SimAuth.BearerKey(request) is null) return Results.Json(new { code = 401, message = "Unauthorized", data = (object?)null }, statusCode: 401);
            if (model is not ("gpt-image-2" or "gpt-image-1.5")) return Results.Json(new { code = 404, message = "model not found", data = (object?)null }, statusCode: 404);
            var body = await SimAuth.ReadJson(request, ct);
            var prompt = body?["prompt"]?.GetValue<string>();
            if (string.IsNullOrWhiteSpace(prompt) || body?["images"] is null)
                return Results.Json(new { code = 400, message = "images and prompt are required", data = (object?)null }, statusCode: 400);
            var script = SimScript.Parse(prompt);
            if (await sim.GateSubmitAsync("wavespeed", prompt, script, ct) is { } refused) return refused;
            var (width, height) = SimSizes.WaveSpeed(body);
            var job = sim.NewJob("wavespeed", $"openai/{model}/edit", prompt, width, height, 1, 0, script);
            if (script.CreateThen500) return Results.Json(new { code = 500, message = "internal error", data = (object?)null }, statusCode: 500);
            return Results.Json(Envelope(job, sim, SimAuth.Origin(request)));
        });
        app.MapGet($"{Prefix}/predictions/{{id}}/result", (string id, HttpRequest request, SimState sim) =>
        {
            if (SimAuth.BearerKey(request) is null) return Results.Json(new { code = 401, message = "Unauthorized", data = (object?)null }, statusCode: 401);
            sim.CountPoll();
            return sim.Jobs.TryGetValue(id, out var job)
                ? Results.Json(Envelope(job, sim, SimAuth.Origin(request)))
                : Results.Json(new { code = 404, message = "prediction not found", data = (object?)null }, statusCode: 404);
        });
    }

    private static object Envelope(SimJob job, SimState sim, string origin)
    {
        var phase = sim.Phase(job);
        var status = phase switch { "queued" => "created", "running" => "processing", _ => job.Script.Fail ? "failed" : "completed" };
        return new
        {
            code = 200,
            message = "success",
            data = new
            {
                id = job.Id, model = job.Model,
                outputs = status == "completed" ? sim.OutputUrls(job, origin) : [],
                urls = new { get = $"{origin}{Prefix}/predictions/{job.Id}/result" },
                has_nsfw_contents = Array.Empty<bool>(), status, created_at = job.CreatedAt,
                error = status == "failed" ? "The model refused the request (policy)" : "",
                timings = new { inference = (int)(job.ReadyAt - job.CreatedAt).TotalMilliseconds },
            },
        };
    }
}
