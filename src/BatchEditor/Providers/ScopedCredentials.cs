using System.Net;
using BatchEditor.Downloads;

namespace BatchEditor.Providers;

/// <summary>
/// Keeps a provider's API key to that provider: the key (the Authorization header) goes only to the configured
/// <c>BaseUrl</c>'s scheme, host and port. A status or result URL the provider names on another host is fetched without
/// it (a provider that needs it there answers 401, which is reported), and the key never travels over plain http to a
/// host other than loopback.
/// </summary>
public sealed class ScopedCredentials(string baseUrl) : DelegatingHandler
{
    private readonly Uri _home = new(baseUrl);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (request.Headers.Authorization is not null && request.RequestUri is { } uri)
        {
            if (Uri.Compare(uri, _home, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
                request.Headers.Authorization = null;
            else if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
            {
                var reason = $"refused to send the API key over plain http to {uri.Host}; use https in the provider's BaseUrl";
                throw new HttpRequestException(reason, new OutboundRefusedException(reason));
            }
        }
        return base.SendAsync(request, ct);
    }

    private static bool IsLoopback(Uri uri) => uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>"host:port" of a configured URL, as <see cref="OutboundGuard"/> trusts it.</summary>
    public static string Authority(string url)
    {
        var uri = new Uri(url);
        return $"{uri.Host}:{uri.Port}";
    }
}
