using System.Text.Json.Nodes;

namespace BatchEditor.ProviderSim.Protocols;

/// <summary>
/// PixelDojo as docs/providers.md §1 describes it: 202 + statusUrl, poll until completed/failed,
/// credits charged at submit and refunded on failure, temporary output URLs with expiresAt.
/// </summary>
public static class PixelDojoProtocol
{
    private static readonly Dictionary<string, decimal> CreditsByModel = new() { ["gpt-image-2-edit"] = 5, ["gpt-image-1-5-edit"] = 4 };

    private static readonly Dictionary<string, (int W, int H)> Sizes = new()
    {
        ["auto"] = (1024, 1024), ["square_hd"] = (1024, 1024), ["square"] = (512, 512),
        ["portrait_4_3"] = (768, 1024), ["portrait_16_9"] = (576, 1024),
        ["landscape_4_3"] = (1024, 768), ["landscape_16_9"] = (1024, 576),
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/pixeldojo/api/v1");
        api.MapPost("/models/{apiId}/run", Run);
        api.MapGet("/jobs/{jobId}", Status);
    }

    private static async Task<IResult> Run(string apiId, HttpRequest request, SimState sim, CancellationToken ct)
    {
        if (SimAuth.BearerKey(request) is not { } key) return Results.Json(new { error = "Invalid or missing API key" }, statusCode: 401);
        if (!CreditsByModel.TryGetValue(apiId, out var perImage)) return Results.Json(new { error = $"Unknown model {apiId}" }, statusCode: 404);
        var body = await SimAuth.ReadJson(request, ct);
        var prompt = body?["prompt"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(prompt)) return Results.Json(new { error = "prompt is required" }, statusCode: 400);
        if (body?["image_urls"] is not JsonArray images || images.Count is < 1 or > 8) return Results.Json(new { error = "image_urls must hold 1 to 8 URLs" }, statusCode: 400);
        if (body?["mask_url"] is not null && apiId != "gpt-image-2-edit") return Results.Json(new { error = "mask_url is not supported by this model" }, statusCode: 400);
        var sizeName = body?["image_size"]?.GetValue<string>() ?? "auto";
        if (!Sizes.TryGetValue(sizeName, out var size)) return Results.Json(new { error = $"invalid image_size {sizeName}" }, statusCode: 400);
        var count = body?["num_images"]?.GetValue<int>() ?? 1;

        var script = SimScript.Parse(prompt);
        if (script.BadInput)
        {
            sim.CountSubmit(prompt);
            return Results.Json(new { error = $"could not download image_url {images[0]}: 404 Not Found" }, statusCode: 400);
        }
        var chaos = sim.Chaos?.ForRequest("submit", prompt, sim.Next($"submit:{prompt}"), canStall: true) ?? ChaosFault.None;
        if (chaos == ChaosFault.TooManyRequests) { sim.CountSubmit(prompt); return SimAuth.Refuse(429, sim.Options.RetryAfterSeconds); }
        if (chaos == ChaosFault.ServerErrorBeforeCreate) { sim.CountSubmit(prompt); return SimAuth.Refuse(500); }
        if (chaos == ChaosFault.Stall) script = script with { Stall = true };
        if (await sim.GateSubmitAsync("pixeldojo", prompt, script, ct) is { } refused) return refused;
        if (sim.Chaos is { } jobChaos)
        {
            var (withFate, fate) = jobChaos.ForJob(prompt, script);
            script = withFate;
            if (fate.Length > 0) sim.Fates[prompt] = fate;
        }

        var credits = perImage * count;
        var now = sim.Now;
        var job = new SimJob($"job_{Guid.NewGuid():N}", "pixeldojo", apiId, prompt, size.W, size.H, count, credits, now,
            now + (script.Latency ?? sim.Options.JobLatency), script)
        {
            InputName = SimState.InputNameOf(images[0]?.GetValue<string>()),
            Masked = SimState.InputNameOf(body?["mask_url"]?.GetValue<string>()) is not null,
            Format = body?["output_format"]?.GetValue<string>() is "jpeg" or "webp" ? body["output_format"]!.GetValue<string>() : null,
        };
        sim.Jobs[job.Id] = job;
        var remaining = sim.Charge(key, credits, prompt);
        if (script.CreateThen500 || chaos == ChaosFault.ServerErrorAfterCreate) return Results.Json(new { error = "Internal server error" }, statusCode: 500);
        // The job exists and is charged; its answer is late (a worker paused or cut off meanwhile gets it afterwards).
        if (script.AnswerDelay is { } delay) await Task.Delay(delay, ct);

        return Results.Json(new
        {
            jobId = job.Id,
            status = "pending",
            statusUrl = $"{SimAuth.Origin(request)}/pixeldojo/api/v1/jobs/{job.Id}",
            creditCost = credits,
            creditsRemaining = remaining,
            expiresAt = job.ExpiresAt(sim.Options.OutputTtl),
        }, statusCode: 202);
    }

    private static IResult Status(string jobId, HttpRequest request, SimState sim)
    {
        if (SimAuth.BearerKey(request) is not { } key) return Results.Json(new { error = "Invalid or missing API key" }, statusCode: 401);
        sim.CountPoll();
        switch (sim.Chaos?.ForRequest("poll", jobId, sim.Next($"poll:{jobId}"), canStall: false))
        {
            case ChaosFault.TooManyRequests: return SimAuth.Refuse(429, sim.Options.RetryAfterSeconds);
            case ChaosFault.ServerErrorBeforeCreate or ChaosFault.ServerErrorAfterCreate: return SimAuth.Refuse(500);
        }
        if (!sim.Jobs.TryGetValue(jobId, out var job)) return Results.Json(new { error = "Job not found" }, statusCode: 404);
        var now = sim.Now;
        if (now < job.ReadyAt)
        {
            var halfway = job.CreatedAt + (job.ReadyAt - job.CreatedAt) / 2;
            return Results.Json(new { jobId, status = now < halfway ? "pending" : "processing" });
        }
        if (job.Script.Fail)
        {
            // Failed jobs are refunded (docs/providers.md §1); refund once, on the first poll that sees the failure.
            if (!job.Refunded && sim.Jobs.TryUpdate(jobId, job with { Refunded = true }, job)) sim.Charge(key, -job.Credits, job.Prompt);
            return Results.Json(new { jobId, status = "failed", error = "Content policy violation: the edit could not be generated", creditCost = 0 });
        }
        var origin = SimAuth.Origin(request);
        var urls = sim.OutputUrls(job, origin);
        var expiresAt = job.ExpiresAt(sim.Options.OutputTtl);
        object output = job.Script.Legacy && urls.Length > 0 ? new { image = urls[0] } : new { images = urls };
        return Results.Json(new { jobId, status = "completed", output, creditCost = job.Credits, expiresAt });
    }
}
