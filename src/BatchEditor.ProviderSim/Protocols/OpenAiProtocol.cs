using System.Globalization;

namespace BatchEditor.ProviderSim.Protocols;

/// <summary>
/// OpenAI Images API (docs/providers.md §6): multipart <c>image[]</c> files, synchronous, outputs as <c>b64_json</c> with
/// <c>usage</c> tokens; errors as <c>{"error":{message,type,param,code}}</c>, a safety block as 400 <c>moderation_blocked</c>.
/// </summary>
public static class OpenAiProtocol
{
    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/openai/v1/images/edits", async (HttpRequest request, SimState sim, CancellationToken ct) =>
    {
        if (SimAuth.BearerKey(request) is null) return Error(401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key");
        if (!request.HasFormContentType) return Error(400, "Expected multipart/form-data", "invalid_request_error", null);
        var form = await request.ReadFormAsync(ct);
        var prompt = form["prompt"].ToString();
        var images = form.Files.GetFiles("image[]");
        if (string.IsNullOrWhiteSpace(prompt) || images.Count == 0) return Error(400, "image[] and prompt are required", "invalid_request_error", null);
        foreach (var file in images.Append(form.Files.GetFile("mask")).OfType<IFormFile>())
            if (!await IsImageAsync(file, ct)) return Error(400, $"Invalid file '{file.FileName}': not a supported image", "invalid_request_error", "invalid_image_format");
        if (form.Files.GetFile("mask") is { } mask && !await HasAlphaAsync(mask, ct))
            return Error(400, "Invalid mask image format - mask image missing alpha channel", "invalid_request_error", "invalid_image_format");
        var (w, h) = Size(form["size"].ToString());
        var n = int.TryParse(form["n"], CultureInfo.InvariantCulture, out var count) ? count : 1;

        var script = SimScript.Parse(prompt);
        if (await sim.GateSubmitAsync("openai", prompt, script, ct) is { } refused) return refused;
        if (script.Fail) return Error(400, "Your request was rejected by the safety system.", "image_generation_user_error", "moderation_blocked");
        if (script.Latency is { } latency) await Task.Delay(latency, ct);
        var job = sim.NewJob("openai", form["model"].ToString(), prompt, w, h, n, 0, script with { Latency = TimeSpan.Zero });
        if (script.CreateThen500) return Error(500, "The server had an error while processing your request.", "server_error", null);

        var scale = sim.Options.ImageScale;
        var data = Enumerable.Range(0, n).Select(i => new
        {
            b64_json = Convert.ToBase64String(PngRenderer.Render(Math.Max(16, (int)(w * scale)), Math.Max(16, (int)(h * scale)), sim.Seed(job.Prompt) + i)),
        });
        int textTokens = prompt.Length / 4 + 1, imageTokens = 323 * images.Count, outputTokens = (int)((long)w * h / 600) * n;
        return Results.Json(new
        {
            created = sim.Now.ToUnixTimeSeconds(),
            data,
            usage = new
            {
                input_tokens = textTokens + imageTokens,
                input_tokens_details = new { image_tokens = imageTokens, text_tokens = textTokens },
                output_tokens = outputTokens,
                total_tokens = textTokens + imageTokens + outputTokens,
            },
        });
    });

    private static IResult Error(int status, string message, string type, string? code) =>
        Results.Json(new { error = new { message, type, param = (string?)null, code } }, statusCode: status);

    private static async Task<bool> IsImageAsync(IFormFile file, CancellationToken ct)
    {
        var head = new byte[8];
        await using var stream = file.OpenReadStream();
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        return read >= 3 && (head[0] == 0x89 && head[1] == 0x50 || head[0] == 0xFF && head[1] == 0xD8 || head[0] == (byte)'R');
    }

    private static async Task<bool> HasAlphaAsync(IFormFile mask, CancellationToken ct)
    {
        using var copy = new MemoryStream();
        await mask.CopyToAsync(copy, ct);
        copy.Position = 0;
        using var codec = SkiaSharp.SKCodec.Create(copy);
        return codec is not null && codec.Info.AlphaType != SkiaSharp.SKAlphaType.Opaque;
    }

    private static (int W, int H) Size(string size)
    {
        var parts = size.Split('x');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var w) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var h)
            ? (w, h) : (1024, 1024);
    }
}
