using BatchEditor.Downloads;

namespace BatchEditor.Storage;

/// <summary>
/// A read-only pass-through over an output's source that enforces, while the bytes flow, the size cap and the
/// announced length. Every fault of the source surfaces as <see cref="OutputDownloadException"/>,
/// so a store can tell "the download failed" (the store is fine) from its own failures.
/// </summary>
internal sealed class CheckedStream(Stream inner, long? expectedLength, long maxBytes, string what) : ForwardOnlyStream
{
    private long _total;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        int read;
        try { read = await inner.ReadAsync(buffer, ct); }
        catch (Exception e) when (e is IOException or HttpRequestException or DownloadTimeoutException)
        {
            throw new OutputDownloadException($"{what} download failed after {_total:N0} bytes: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}", transient: true, e);
        }
        catch (FormatException e)
        {
            throw new OutputDownloadException($"{what} is not valid base64: {e.Message}", transient: false, e);
        }
        _total += read;
        if (_total > maxBytes) throw new OutputDownloadException($"{what} is larger than the {maxBytes:N0}-byte limit", transient: false);
        if (read == 0 && expectedLength is { } length && _total != length)
            throw new OutputDownloadException($"{what} was truncated: {_total:N0} of {length:N0} bytes arrived", transient: true);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
