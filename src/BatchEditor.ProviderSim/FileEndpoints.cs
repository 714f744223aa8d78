namespace BatchEditor.ProviderSim;

/// <summary>
/// Serves the temporary output URLs: real PNGs until they expire, then 404 like a purged CDN object. Also serves
/// <c>/inputs/{name}.png</c>, stand-in product photos for providers that must download the inputs themselves (OpenAI),
/// for names ending in <c>-mask</c> a transparent-means-edit mask, for names starting with <c>slow-</c> one that takes
/// 3 s to answer, and for names starting with <c>stall-</c> one that stops sending halfway. A photo re-shot under the same
/// URL: <c>POST /_sim/inputs/{name}/edit</c> (or <see cref="SimState.InputEdits"/>) changes its bytes. Outputs scripted with <c>[sim:stallbody]</c> stall the same way.
/// </summary>
public static class FileEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/inputs/{name}.png", async (string name, HttpContext context, SimState sim) =>
        {
            var png = name.EndsWith("-mask", StringComparison.Ordinal) ? PngRenderer.RenderMask(SimState.InputSide, SimState.InputSide)
                : PngRenderer.RenderInput(SimState.InputSide, SimState.InputSide, sim.InputSeed(name));
            sim.CountInputFetch(name);
            context.Response.ContentType = "image/png";
            context.Response.ContentLength = png.Length;
            // An input host that is slow to answer (a window in which a test can pause a worker before it sends).
            if (name.StartsWith("slow-", StringComparison.Ordinal)) await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            if (name.StartsWith("stall-", StringComparison.Ordinal))
            {
                // An input host that stops sending halfway.
                await context.Response.Body.WriteAsync(png.AsMemory(0, png.Length / 2));
                await context.Response.Body.FlushAsync();
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                return;
            }
            await context.Response.Body.WriteAsync(png);
        });
        app.MapGet("/files/{token}.png", async (string token, HttpContext context, SimState sim) =>
        {
            sim.CountDownload();
            switch (sim.Chaos?.ForRequest("download", token, sim.Next($"download:{token}"), canStall: false))
            {
                case ChaosFault.TooManyRequests: await SimAuth.Refuse(429, sim.Options.RetryAfterSeconds).ExecuteAsync(context); return;
                case ChaosFault.ServerErrorBeforeCreate or ChaosFault.ServerErrorAfterCreate: await SimAuth.Refuse(503, 0).ExecuteAsync(context); return;
            }
            if (!sim.Files.TryGetValue(token, out var file) || file.ExpiresAt <= sim.Now)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("The requested file has expired or does not exist.");
                return;
            }
            var png = file.Blank ? PngRenderer.RenderFlat(file.Width, file.Height)
                : file.Input ? PngRenderer.RenderInput(file.Width, file.Height, file.Seed)
                : file.InputSeed is { } inputSeed ? PngRenderer.RenderMaskedEdit(file.Width, file.Height, inputSeed, file.Seed)
                : PngRenderer.Render(file.Width, file.Height, file.Seed);
            if (file.Format is { } format) png = PngRenderer.Reencode(png, format);
            context.Response.ContentType = file.Format is { } f ? $"image/{f}" : "image/png";
            context.Response.ContentLength = png.Length;
            if (file.StallBody)
            {
                // Announce the whole length, send half, then send nothing more: a CDN that stalls mid-body.
                await context.Response.Body.WriteAsync(png.AsMemory(0, png.Length / 2));
                await context.Response.Body.FlushAsync();
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                return;
            }
            if (file.Truncate)
            {
                // Announce the whole length, send half, then cut the connection: a truncated download.
                await context.Response.Body.WriteAsync(png.AsMemory(0, png.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }
            if (sim.Options.OutputPadBytes > png.Length)
            {
                await PngRenderer.WritePaddedAsync(context.Response, png, sim.Options.OutputPadBytes, context.RequestAborted);
                return;
            }
            await context.Response.Body.WriteAsync(png);
        });
    }
}
