using System.Security.Cryptography;
using System.Text;
using System.Web;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>
/// Shared Key authorisation for the Blob service (x-ms-version 2015-02-21 and later), exactly as documented in
/// "Authorize with Shared Key": the string to sign, and its HMAC-SHA256 under the account key.
/// </summary>
public static class SharedKey
{
    private static readonly string[] StandardHeaders =
        ["Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
         "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"];

    public static void Authorize(HttpRequestMessage request, BlobAccount account)
    {
        var signature = Sign(StringToSign(request, account.Name), account.Key!);
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {account.Name}:{signature}");
    }

    public static string Sign(string stringToSign, byte[] key) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    public static string StringToSign(HttpRequestMessage request, string account)
    {
        var sb = new StringBuilder(request.Method.Method).Append('\n');
        foreach (var name in StandardHeaders)
        {
            var value = Header(request, name);
            if (name == "Content-Length" && value == "0") value = ""; // documented: empty when the length is 0
            sb.Append(value).Append('\n');
        }
        foreach (var (name, value) in request.Headers
                     .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(',', h.Value).Trim()))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
            sb.Append(name).Append(':').Append(value).Append('\n');
        return sb.Append(CanonicalizedResource(request.RequestUri!, account)).ToString();
    }

    /// <summary>"/" + account + path as sent, then each query parameter sorted by lower-case name, URL-decoded.</summary>
    public static string CanonicalizedResource(Uri uri, string account)
    {
        var sb = new StringBuilder("/").Append(account).Append(uri.AbsolutePath);
        var query = HttpUtility.ParseQueryString(uri.Query);
        foreach (var name in query.AllKeys.OfType<string>().OrderBy(k => k.ToLowerInvariant(), StringComparer.Ordinal))
        {
            var values = query.GetValues(name)!.OrderBy(v => v, StringComparer.Ordinal);
            sb.Append('\n').Append(name.ToLowerInvariant()).Append(':').Append(string.Join(',', values));
        }
        return sb.ToString();
    }

    private static string Header(HttpRequestMessage request, string name)
    {
        if (request.Content?.Headers.TryGetValues(name, out var contentValues) == true) return string.Join(',', contentValues);
        if (name == "Content-Length" && request.Content?.Headers.ContentLength is { } length) return length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return request.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : "";
    }
}
