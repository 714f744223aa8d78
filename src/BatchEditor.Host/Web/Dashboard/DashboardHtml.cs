using BatchEditor.Items;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>Small formatting helpers shared by the pages.</summary>
public static class DashboardHtml
{
    public static string StateClass(ItemState state) => "state " + state.ToString().ToLowerInvariant();

    public static string Ago(DateTimeOffset? at)
    {
        if (at is not { } t) return "—";
        var span = DateTimeOffset.UtcNow - t;
        var text = span.Duration() switch
        {
            { TotalSeconds: < 60 } d => $"{d.TotalSeconds:0} s",
            { TotalMinutes: < 60 } d => $"{d.TotalMinutes:0} min",
            { TotalHours: < 48 } d => $"{d.TotalHours:0.#} h",
            var d => $"{d.TotalDays:0} d",
        };
        return span >= TimeSpan.Zero ? text + " ago" : "in " + text;
    }

    public static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") + " UTC" : "—";

    public static string Duration(TimeSpan? span) => span switch
    {
        null => "—",
        { TotalMinutes: < 1 } s => $"{s.TotalSeconds:0} s",
        { TotalHours: < 1 } s => $"{s.TotalMinutes:0} min",
        { TotalDays: < 2 } s => $"{s.TotalHours:0.#} h",
        { } s => $"{s.TotalDays:0.#} d",
    };
}
