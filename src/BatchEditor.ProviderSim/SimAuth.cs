using System.Text.Json.Nodes;

namespace BatchEditor.ProviderSim;

/// <summary>Small helpers every protocol uses: auth headers, JSON bodies, refusals, absolute URLs.</summary>
public static class SimAuth
{
    public static string? BearerKey(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } h && h.StartsWith("Bearer ", StringComparison.Ordinal) && h.Length > 7 ? h[7..] : null;

    public static async Task<JsonNode?> ReadJson(HttpRequest request, CancellationToken ct)
    {
        try { return await JsonNode.ParseAsync(request.Body, cancellationToken: ct); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    public static IResult Refuse(int status) => new RefusalResult(status);

    public static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private sealed class RefusalResult(int status) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = "1";
            return context.Response.WriteAsJsonAsync(new { error = status == 429 ? "Rate limit exceeded" : "Service temporarily unavailable" });
        }
    }
}
