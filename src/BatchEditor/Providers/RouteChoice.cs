namespace BatchEditor.Providers;

/// <summary>
/// One choice of a route: a provider and the model asked of it. Written <c>provider</c> (its default model) or
/// <c>provider:model</c>; a route is a comma- or bar-separated list of them, tried in order (<c>pixeldojo,fal,openai</c>).
/// Stored resolved (<c>provider:model</c>) on each item.
/// </summary>
public sealed record RouteChoice(string Provider, string? Model)
{
    /// <summary>The choices of a route as written; empty entries are skipped.</summary>
    public static IReadOnlyList<RouteChoice> ParseRoute(string text) =>
        [.. text.Split([',', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse)];

    public static RouteChoice Parse(string text)
    {
        var colon = text.IndexOf(':');
        return colon < 0 ? new(text.Trim().ToLowerInvariant(), null) : new(text[..colon].Trim().ToLowerInvariant(), text[(colon + 1)..].Trim() is { Length: > 0 } m ? m : null);
    }

    public override string ToString() => Model is null ? Provider : $"{Provider}:{Model}";
}
