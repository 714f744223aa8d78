using System.Globalization;

namespace BatchEditor.Providers;

/// <summary>
/// A requested output size as a manifest may write it: <c>1024x1536</c>, <c>2:3</c>, <c>auto</c>, or a
/// provider's own preset name. Adapters map it to their own vocabulary or reject it clearly.
/// </summary>
public sealed record SizeSpec(int? Width, int? Height, int? AspectW, int? AspectH, string? Preset)
{
    public bool IsAuto => Preset == "auto";

    public static SizeSpec? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim().ToLowerInvariant();
        if (TrySplit(t, 'x', out var w, out var h)) return new SizeSpec(w, h, null, null, null);
        if (TrySplit(t, ':', out var aw, out var ah)) return new SizeSpec(null, null, aw, ah, null);
        return new SizeSpec(null, null, null, null, t);
    }

    /// <summary>The aspect ratio reduced to lowest terms, from either form; null for presets.</summary>
    public (int W, int H)? Aspect
    {
        get
        {
            var (a, b) = Width is { } w && Height is { } h ? (w, h) : AspectW is { } x && AspectH is { } y ? (x, y) : (0, 0);
            if (a <= 0 || b <= 0) return null;
            var g = Gcd(a, b);
            return (a / g, b / g);
        }
    }

    private static bool TrySplit(string t, char sep, out int a, out int b)
    {
        a = b = 0;
        var parts = t.Split(sep);
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out a)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out b)
            && a > 0 && b > 0;
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
