using System.Globalization;
using System.Web;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>
/// Service SAS tokens (signed version 2020-12-06 and later: the 16-line string to sign), made with the account key. Links
/// handed to people are read-only, https-only (plain http only for an emulator on this machine) and live at most
/// <see cref="MaxLifetime"/>.
/// </summary>
public static class BlobSas
{
    /// <summary>The longest a link may live: what Azure allows a user-delegation SAS, and long enough for a hand-over.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    /// <summary>A read-only link to one blob that works until <paramref name="expiresAt"/>.</summary>
    public static string ReadUrl(BlobAccount account, string blobUrl, DateTimeOffset expiresAt)
    {
        var uri = new Uri(blobUrl);
        // The blob's path after the endpoint's own path (emulators put the account name there).
        var path = Uri.UnescapeDataString(uri.AbsolutePath[account.Endpoint.AbsolutePath.TrimEnd('/').Length..]);
        return $"{uri.GetLeftPart(UriPartial.Path)}?{Token(account, path, "r", "b", expiresAt)}";
    }

    /// <param name="path">"/container" or "/container/blob", unescaped.</param>
    /// <param name="resource">"b" for a blob, "c" for a container.</param>
    public static string Token(BlobAccount account, string path, string permissions, string resource, DateTimeOffset expiresAt)
    {
        if (account.Key is null)
            throw new InvalidOperationException("Signed URLs need the account key; the storage connection string has only a SAS token");
        if (expiresAt > DateTimeOffset.UtcNow + MaxLifetime + TimeSpan.FromMinutes(5))
            throw new ArgumentOutOfRangeException(nameof(expiresAt), $"links live at most {MaxLifetime.TotalDays:0} days");
        var expiry = expiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        // https only, unless the endpoint is an emulator on this machine (Azurite speaks plain http).
        var protocol = account.Endpoint.Scheme == Uri.UriSchemeHttps ? "https"
            : account.Endpoint.IsLoopback ? "https,http"
            : throw new InvalidOperationException($"links are only signed for https endpoints; {account.Endpoint} is plain http");
        var stringToSign = string.Join('\n',
            permissions, "", expiry, $"/blob/{account.Name}{path}", "", "", protocol, BlobRestClient.Version, resource,
            "", "", "", "", "", "", "");
        var signature = SharedKey.Sign(stringToSign, account.Key);
        return $"sv={BlobRestClient.Version}&spr={HttpUtility.UrlEncode(protocol)}&se={HttpUtility.UrlEncode(expiry)}" +
               $"&sr={resource}&sp={permissions}&sig={HttpUtility.UrlEncode(signature)}";
    }
}
