using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace BatchEditor.Providers;

/// <summary>JSON helpers shared by the adapters: snake_case bodies and lenient reading of unconfirmed shapes.</summary>
public static class ProviderJson
{
    public static readonly JsonSerializerOptions SnakeCase = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static JsonContent Body<T>(T value) => JsonContent.Create(value, options: SnakeCase);

    public static JsonNode? TryParse(string body)
    {
        try { return JsonNode.Parse(body); }
        catch (JsonException) { return null; }
    }

    /// <summary>The start of a JSON answer, for reasons that quote what the provider said.</summary>
    public static string Excerpt(JsonNode? node) => HttpOutcomes.Excerpt(node?.ToJsonString());

    public static string? Str(this JsonNode? node, string name) =>
        node?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?[name]?.ToJsonString();

    public static decimal? Dec(this JsonNode? node, string name) =>
        node?[name] is JsonValue v
            ? v.TryGetValue<decimal>(out var d) ? d
            : v.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var p) ? p : null
            : null;

    public static DateTimeOffset? Time(this JsonNode? node, string name) =>
        node.Str(name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
