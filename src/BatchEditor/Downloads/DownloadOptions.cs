namespace BatchEditor.Downloads;

/// <summary>
/// Configuration section <c>Downloads</c>: deadlines for everything the worker fetches from URLs it was given (inputs,
/// masks, outputs). <see cref="HttpClient.Timeout"/> does not cover reading a body, so without these a CDN that stalls
/// mid-body would hold a step slot forever.
/// </summary>
public sealed class DownloadOptions
{
    /// <summary>The whole download, headers and body, must finish within this.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A download that delivers no byte for this long is abandoned (and retried where that is safe).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Let the worker fetch from loopback, private and link-local addresses (see <see cref="OutboundGuard"/>).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Redirects followed per download, each hop checked.</summary>
    public int MaxRedirects { get; set; } = 5;
}
