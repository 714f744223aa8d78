namespace BatchEditor.Storage;

/// <summary>
/// A read-only pass-through over a download that replays its already-read head and enforces, while the bytes
/// flow, the size cap and the announced length: a truncated or oversized download throws instead of being stored.
/// </summary>
internal sealed class CheckedStream(byte[] head, Stream inner, long? expectedLength, long maxBytes, string what) : Stream
{
    private int _headPos;
    private long _total;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        int read;
        if (_headPos < head.Length)
        {
            read = Math.Min(buffer.Length, head.Length - _headPos);
            head.AsMemory(_headPos, read).CopyTo(buffer);
            _headPos += read;
        }
        else
        {
            read = await inner.ReadAsync(buffer, ct);
        }
        _total += read;
        if (_total > maxBytes) throw new InvalidDataException($"{what} is larger than the {maxBytes:N0}-byte limit");
        if (read == 0 && expectedLength is { } length && _total != length)
            throw new InvalidDataException($"{what} was truncated: {_total:N0} of {length:N0} bytes arrived");
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
