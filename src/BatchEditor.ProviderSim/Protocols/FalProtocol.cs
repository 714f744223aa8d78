namespace BatchEditor.ProviderSim.Protocols;

/// <summary>
/// fal queue (docs/providers.md §5): status/response/cancel URLs drop the <c>/edit</c> sub-path; 202 while waiting,
/// 200 when COMPLETED; a COMPLETED request can still be a failure, visible only at its response URL.
/// </summary>
public static class FalProtocol
{
    private const string Prefix = "/fal";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost($"{Prefix}/{{owner}}/{{model}}/edit", async (string owner, string model, HttpRequest request, SimState sim, CancellationToken ct) =>
        {
            if (!request.Headers.Authorization.ToString().StartsWith("Key ", StringComparison.Ordinal))
                return Results.Json(new { detail = "Unauthorized" }, statusCode: 401);
            var body = await SimAuth.ReadJson(request, ct);
            var prompt = body?["prompt"]?.GetValue<string>();
            if (prompt is null || prompt.Length < 2)
                return Results.Json(new { detail = new[] { new { loc = new[] { "body", "prompt" }, msg = "String should have at least 2 characters", type = "string_too_short" } } }, statusCode: 422);
            var script = SimScript.Parse(prompt);
            if (await sim.GateSubmitAsync("fal", prompt, script, ct) is { } refused) return refused;
            var (width, height) = SimSizes.Fal(body?["image_size"]);
            var job = sim.NewJob("fal", $"{owner}/{model}/edit", prompt, width, height, body?["num_images"]?.GetValue<int>() ?? 1, 0, script);
            if (script.CreateThen500) return Results.Json(new { detail = "Internal error" }, statusCode: 500);
            var root = $"{SimAuth.Origin(request)}{Prefix}/{owner}/{model}/requests/{job.Id}";
            return Results.Json(new { request_id = job.Id, response_url = root, status_url = $"{root}/status", cancel_url = $"{root}/cancel", status = "IN_QUEUE", queue_position = 0 });
        });
        app.MapGet($"{Prefix}/{{owner}}/{{model}}/requests/{{id}}/status", (string id, SimState sim) =>
        {
            sim.CountPoll();
            if (!sim.Jobs.TryGetValue(id, out var job)) return Results.Json(new { detail = "Request not found" }, statusCode: 404);
            return sim.Phase(job) switch
            {
                "queued" => Results.Json(new { status = "IN_QUEUE", queue_position = 0 }, statusCode: 202),
                "running" => Results.Json(new { status = "IN_PROGRESS" }, statusCode: 202),
                _ => Results.Json(new { status = "COMPLETED" }),
            };
        });
        app.MapGet($"{Prefix}/{{owner}}/{{model}}/requests/{{id}}", (string id, HttpRequest request, HttpResponse response, SimState sim) =>
        {
            if (!sim.Jobs.TryGetValue(id, out var job) || sim.Phase(job) != "done") return Results.Json(new { detail = "Request not found or not completed" }, statusCode: 404);
            if (job.Script.Fail)
            {
                response.Headers["X-Fal-Error-Type"] = "content_policy_violation";
                return Results.Json(new { detail = new[] { new { loc = new[] { "body", "prompt" }, msg = "The content could not be processed", type = "content_policy_violation" } } }, statusCode: 422);
            }
            var images = sim.OutputUrls(job, SimAuth.Origin(request)).Select((u, i) => new { url = u, content_type = "image/png", file_name = $"{i}.png", width = job.Width, height = job.Height });
            return Results.Json(new { images });
        });
    }
}
