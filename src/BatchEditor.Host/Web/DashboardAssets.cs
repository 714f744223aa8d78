using System.Reflection;

namespace BatchEditor.Host.Web;

/// <summary>
/// The dashboard's stylesheet and script, embedded in the binary (Web/Assets): nothing to deploy beside it, and no CDN,
/// so the dashboard works on a machine without internet access.
/// </summary>
public static class DashboardAssets
{
    private static readonly Dictionary<string, (byte[] Content, string Type)> Assets = Load();

    public static IResult Serve(string name, HttpResponse response)
    {
        if (!Assets.TryGetValue(name, out var asset)) return TypedResults.NotFound();
        response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.Bytes(asset.Content, asset.Type);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "BatchEditor.Host.Web.Assets.";
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[prefix.Length..];
            assets[name] = (copy.ToArray(), name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        }
        return assets;
    }
}
