namespace BatchEditor.ProviderSim;

/// <summary>
/// Serves the temporary output URLs: real PNGs until they expire, then 404 like a purged CDN object. Also serves
/// <c>/inputs/{name}.png</c>, stand-in product photos for providers that must download the inputs themselves (OpenAI),
/// and for names ending in <c>-mask</c> a transparent-means-edit mask.
/// </summary>
public static class FileEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/inputs/{name}.png", (string name, SimState sim) => Results.Bytes(
            name.EndsWith("-mask", StringComparison.Ordinal) ? PngRenderer.RenderMask(64, 64) : PngRenderer.Render(64, 64, sim.Seed(name)), "image/png"));
        app.MapGet("/files/{token}.png", async (string token, HttpContext context, SimState sim) =>
        {
            sim.CountDownload();
            if (!sim.Files.TryGetValue(token, out var file) || file.ExpiresAt <= sim.Now)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("The requested file has expired or does not exist.");
                return;
            }
            var png = PngRenderer.Render(file.Width, file.Height, file.Seed);
            context.Response.ContentType = "image/png";
            context.Response.ContentLength = png.Length;
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
