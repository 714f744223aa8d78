namespace BatchEditor.Downloads;

/// <summary>
/// Bytes already read from the start of a stream that cannot seek back (to sniff a file's type or encoding), followed
/// by the rest of it. Does not own <paramref name="rest"/>.
/// </summary>
public sealed class ReplayedHeadStream(byte[] head, Stream rest) : ForwardOnlyStream
{
    private int _pos;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
        _pos >= head.Length ? await rest.ReadAsync(buffer, ct) : FromHead(buffer.Span);

    public override int Read(byte[] buffer, int offset, int count) =>
        _pos >= head.Length ? rest.Read(buffer, offset, count) : FromHead(buffer.AsSpan(offset, count));

    private int FromHead(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, head.Length - _pos);
        head.AsSpan(_pos, n).CopyTo(buffer);
        _pos += n;
        return n;
    }
}
