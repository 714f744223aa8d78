using System.Globalization;
using System.Web;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>Service SAS tokens (signed version 2020-12-06 and later: the 16-line string to sign), made with the account key.</summary>
public static class BlobSas
{
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
        var expiry = expiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        const string protocol = "https,http";
        var stringToSign = string.Join('\n',
            permissions, "", expiry, $"/blob/{account.Name}{path}", "", "", protocol, BlobRestClient.Version, resource,
            "", "", "", "", "", "", "");
        var signature = SharedKey.Sign(stringToSign, account.Key);
        return $"sv={BlobRestClient.Version}&spr={HttpUtility.UrlEncode(protocol)}&se={HttpUtility.UrlEncode(expiry)}" +
               $"&sr={resource}&sp={permissions}&sig={HttpUtility.UrlEncode(signature)}";
    }
}
