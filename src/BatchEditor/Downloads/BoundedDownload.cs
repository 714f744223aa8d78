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
            var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, total.Token);
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
