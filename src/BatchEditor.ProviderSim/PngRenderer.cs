using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;

namespace BatchEditor.ProviderSim;

/// <summary>
/// Encodes real PNG images (a diagonal two-colour gradient of the requested size) without an imaging library,
/// so outputs pass signature and size checks like a provider's would. Images are cached by size and colour.
/// </summary>
public static class PngRenderer
{
    private static readonly ConcurrentDictionary<(int W, int H, int Seed), byte[]> Cache = new();
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static byte[] Render(int width, int height, int seed) => Cache.GetOrAdd((width, height, seed), key => Encode(key.W, key.H, key.Seed));

    private static byte[] Encode(int width, int height, int seed)
    {
        var (r, g, b) = ((byte)(seed * 37), (byte)(seed * 91 + 64), (byte)(seed * 53 + 128));
        var raw = new byte[(width * 3 + 1) * height];
        for (var y = 0; y < height; y++)
        {
            var row = y * (width * 3 + 1);
            raw[row] = 0; // filter: none
            for (var x = 0; x < width; x++)
            {
                var shade = (byte)((x + y) * 255 / (width + height));
                raw[row + 1 + x * 3] = (byte)(r ^ shade);
                raw[row + 2 + x * 3] = g;
                raw[row + 3 + x * 3] = (byte)(b + shade / 4);
            }
        }
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;  // bit depth
        header[9] = 2;  // colour type: RGB
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, idat.ToArray());
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>
    /// Sends <paramref name="png"/> grown to <paramref name="totalBytes"/> by a private ancillary chunk (<c>beDa</c>, which
    /// decoders skip) inserted before IEND, generated and checksummed while it streams so it is never held in memory.
    /// </summary>
    public static async Task WritePaddedAsync(HttpResponse response, byte[] png, long totalBytes, CancellationToken ct)
    {
        const int iendLength = 12;
        var padLength = (int)Math.Min(int.MaxValue, totalBytes - png.Length - 12);
        response.ContentType = "image/png";
        response.ContentLength = png.Length + 12L + padLength;
        var body = response.Body;
        await body.WriteAsync(png.AsMemory(0, png.Length - iendLength), ct);
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, padLength);
        "beDa"u8.CopyTo(header.AsSpan(4));
        await body.WriteAsync(header, ct);
        var crc = Crc(0xFFFFFFFFu, header.AsSpan(4));
        var block = new byte[64 * 1024];
        new Random(padLength).NextBytes(block);
        for (var left = padLength; left > 0; left -= block.Length)
        {
            var part = block.AsMemory(0, Math.Min(block.Length, left));
            crc = Crc(crc, part.Span);
            await body.WriteAsync(part, ct);
        }
        BinaryPrimitives.WriteUInt32BigEndian(header, crc ^ 0xFFFFFFFFu);
        await body.WriteAsync(header.AsMemory(0, 4), ct);
        await body.WriteAsync(png.AsMemory(png.Length - iendLength), ct);
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        png.Write(type);
        png.Write(data);
        var crc = Crc(Crc(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(number, crc);
        png.Write(number);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
