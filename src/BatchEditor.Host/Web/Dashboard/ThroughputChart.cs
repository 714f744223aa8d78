using System.Globalization;
using System.Net;
using System.Text;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Html;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>
/// The overview's throughput chart, drawn on the server as SVG: stacked bars (succeeded, other final states) per bucket,
/// a count axis and a UTC time axis. It is in the page as served (no script, nothing blank while it loads).
/// </summary>
public static class ThroughputChart
{
    /// <summary>The windows the overview offers: name, span, bucket.</summary>
    public static readonly (string Name, TimeSpan Window, TimeSpan Bucket)[] Windows =
    [
        ("30m", TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1)),
        ("24h", TimeSpan.FromHours(24), TimeSpan.FromHours(1)),
        ("7d", TimeSpan.FromDays(7), TimeSpan.FromHours(6)),
    ];

    public static (string Name, TimeSpan Window, TimeSpan Bucket) Find(string? name) => Windows.FirstOrDefault(w => w.Name == name, Windows[0]);

    private const int Width = 1000, Height = 210, Left = 44, Right = 24, Top = 24, Bottom = 26;

    public static IHtmlContent Render(IReadOnlyList<ThroughputPoint> points, TimeSpan bucket)
    {
        var max = Math.Max(1, points.Count == 0 ? 0 : points.Max(p => p.Succeeded + p.Failed));
        var top = NiceCeiling(max);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        var barW = plotW / Math.Max(points.Count, 1);
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"Items finished per {Describe(bucket)}\" data-chart>"));
        // The count axis: whole numbers in round steps up to the top, with grid lines.
        for (long tick = 0; tick <= top; tick += Step(top))
        {
            var y = Top + plotH - plotH * tick / top;
            svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#e3e6ec\"/>"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" font-size=\"12\" fill=\"#6b7385\">{tick}</text>"));
        }
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            double x = Left + i * barW, w = Math.Max(barW - 1, 1);
            double hs = plotH * p.Succeeded / top, hf = plotH * p.Failed / top;
            svg.Append(Invariant($"<g><title>{p.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {p.Succeeded} succeeded, {p.Failed} other</title>"));
            if (hs > 0) svg.Append(Invariant($"<rect x=\"{x:0.##}\" y=\"{Top + plotH - hs:0.##}\" width=\"{w:0.##}\" height=\"{hs:0.##}\" fill=\"#1f8a4c\"/>"));
            if (hf > 0) svg.Append(Invariant($"<rect x=\"{x:0.##}\" y=\"{Top + plotH - hs - hf:0.##}\" width=\"{w:0.##}\" height=\"{hf:0.##}\" fill=\"#c53030\"/>"));
            svg.Append("</g>");
        }
        // The time axis: about six labels, evenly spaced, in UTC.
        svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Top + plotH}\" y2=\"{Top + plotH}\" stroke=\"#9aa1ad\"/>"));
        var step = Math.Max(1, (int)Math.Ceiling(points.Count / 6.0));
        for (var i = 0; i < points.Count; i += step)
        {
            var x = Left + i * barW;
            var label = bucket >= TimeSpan.FromHours(6) ? points[i].At.UtcDateTime.ToString("ddd HH:mm", CultureInfo.InvariantCulture)
                : points[i].At.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
            svg.Append(Invariant($"<line x1=\"{x:0.##}\" x2=\"{x:0.##}\" y1=\"{Top + plotH}\" y2=\"{Top + plotH + 4}\" stroke=\"#9aa1ad\"/>"));
            svg.Append(Invariant($"<text x=\"{x:0.##}\" y=\"{Height - 8}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#6b7385\">{WebUtility.HtmlEncode(label)}</text>"));
        }
        svg.Append(Invariant($"<text x=\"{Width - Right}\" y=\"14\" text-anchor=\"end\" font-size=\"12\" fill=\"#6b7385\">items finished per {Describe(bucket)} · time in UTC</text>"));
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    /// <summary>1, 2, 5, 10, 20, 50 … at or above <paramref name="max"/>, so the axis reads in round numbers.</summary>
    private static long NiceCeiling(long max)
    {
        for (long magnitude = 1; ; magnitude *= 10)
            foreach (var f in new[] { 1, 2, 5 })
                if (f * magnitude >= max) return f * magnitude;
    }

    /// <summary>About five whole-number steps from 0 to <paramref name="top"/> (1, 2, 5 × a power of ten).</summary>
    private static long Step(long top) => Math.Max(1, top.ToString(CultureInfo.InvariantCulture)[0] == '2' ? top / 4 : top / 5);

    private static string Describe(TimeSpan bucket) => bucket.TotalHours >= 1 ? $"{bucket.TotalHours:0} h" : $"{bucket.TotalMinutes:0} min";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
