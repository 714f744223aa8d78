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

    public static IResult Refuse(int status, int retryAfterSeconds = 1) => new RefusalResult(status, retryAfterSeconds);

    public static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private sealed class RefusalResult(int status, int retryAfterSeconds) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return context.Response.WriteAsJsonAsync(new { error = status switch { 429 => "Rate limit exceeded", 503 => "Service temporarily unavailable", _ => "Internal server error" } });
        }
    }
}
