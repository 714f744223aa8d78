namespace BatchEditor.Downloads;

/// <summary>
/// A GET whose headers and body are bounded by <see cref="DownloadOptions.TotalTimeout"/> and whose body must keep
/// flowing (<see cref="DownloadOptions.IdleTimeout"/>). A deadline that passes throws <see cref="DownloadTimeoutException"/>;
/// the caller's own cancellation still throws <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class BoundedDownload : IDisposable
{
    private readonly CancellationTokenSource _total;
    private readonly DownloadOptions _options;
    private readonly string _what;

    private BoundedDownload(HttpResponseMessage response, CancellationTokenSource total, DownloadOptions options, string what)
    {
        Response = response;
        _total = total;
        _options = options;
        _what = what;
    }

    public HttpResponseMessage Response { get; }

    public static async Task<BoundedDownload> GetAsync(HttpClient http, string url, DownloadOptions options, string what, CancellationToken ct)
    {
        var total = CancellationTokenSource.CreateLinkedTokenSource(ct);
        total.CancelAfter(options.TotalTimeout);
        try
        {
            var response = await FollowAsync(http, url, options.MaxRedirects, total.Token);
            return new BoundedDownload(response, total, options, what);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            total.Dispose();
            throw new DownloadTimeoutException($"{what} did not answer within {options.TotalTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            total.Dispose();
            throw;
        }
    }

    /// <summary>
    /// GET, following redirects by hand (the guarded handlers follow none): each hop is a new request, so its address is
    /// checked when it connects; only http(s) targets, at most <paramref name="maxRedirects"/> hops.
    /// </summary>
    private static async Task<HttpResponseMessage> FollowAsync(HttpClient http, string url, int maxRedirects, CancellationToken ct)
    {
        var target = new Uri(url);
        for (var hop = 0; ; hop++)
        {
            if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
                throw new OutboundRefusedException($"refused to follow a redirect to {target.Scheme}: only http and https are fetched");
            var response = await http.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, ct);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location) return response;
            response.Dispose();
            if (hop >= maxRedirects) throw new OutboundRefusedException($"more than {maxRedirects} redirects from {new Uri(url).Host}");
            target = location.IsAbsoluteUri ? location : new Uri(target, location);
        }
    }

    /// <summary>The body, read under both deadlines.</summary>
    public async Task<Stream> ReadBodyAsync(CancellationToken ct) =>
        new DeadlineStream(await Response.Content.ReadAsStreamAsync(_total.Token), _total.Token, _options, _what, ct);

    public void Dispose()
    {
        Response.Dispose();
        _total.Dispose();
    }

    private sealed class DeadlineStream(Stream inner, CancellationToken total, DownloadOptions options, string what, CancellationToken caller) : ForwardOnlyStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct, caller, total);
            idle.CancelAfter(options.IdleTimeout);
            try
            {
                return await inner.ReadAsync(buffer, idle.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && !caller.IsCancellationRequested)
            {
                throw new DownloadTimeoutException(total.IsCancellationRequested
                    ? $"{what} took longer than {options.TotalTimeout.TotalSeconds:0.#} s"
                    : $"{what} stalled: no bytes for {options.IdleTimeout.TotalSeconds:0.#} s");
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>A download passed its total or idle deadline.</summary>
public sealed class DownloadTimeoutException(string message) : TimeoutException(message);
