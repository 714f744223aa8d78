using System.Buffers.Binary;

namespace BatchEditor.Imaging;

/// <summary>
/// Copies a PNG keeping only what its pixels need (the critical chunks and transparency), so a decoder never walks a
/// large ancillary chunk — metadata, or padding — which libpng, through Skia, skips slowly. Other formats are copied whole.
/// </summary>
public static class PngChunks
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static async Task CopyForDecodingAsync(Stream source, Stream target, CancellationToken ct)
    {
        var head = new byte[8];
        var read = await source.ReadAtLeastAsync(head, 8, throwOnEndOfStream: false, ct);
        await target.WriteAsync(head.AsMemory(0, read), ct);
        if (read < 8 || !head.AsSpan().SequenceEqual(Signature))
        {
            await source.CopyToAsync(target, ct);
            return;
        }
        var buffer = new byte[81920];
        while (true)
        {
            if (await source.ReadAtLeastAsync(head, 8, throwOnEndOfStream: false, ct) < 8) return; // cut short: the decoder says so
            var length = BinaryPrimitives.ReadUInt32BigEndian(head);
            var type = System.Text.Encoding.ASCII.GetString(head, 4, 4);
            // Critical chunks start with an upper-case letter; tRNS carries transparency (a mask's).
            var keep = char.IsAsciiLetterUpper(type[0]) || type == "tRNS";
            if (keep) await target.WriteAsync(head, ct);
            for (var left = (long)length + 4; left > 0;) // the data, then its CRC
            {
                var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
                if (n == 0) return;
                if (keep) await target.WriteAsync(buffer.AsMemory(0, n), ct);
                left -= n;
            }
            if (type == "IEND") return;
        }
    }
}
