using System.Buffers.Binary;
using System.IO.Compression;

namespace BatchEditor.Imaging;

/// <summary>
/// Just enough PNG for masks (no imaging library is installable here): encode 8-bit images, and decode
/// non-interlaced 8-bit grey, grey+alpha, RGB and RGBA images with all five row filters.
/// </summary>
public static class Png
{
    public const byte Grey = 0, Rgb = 2, GreyAlpha = 4, Rgba = 6;
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    public sealed record Image(int Width, int Height, byte ColourType, byte[] Pixels)
    {
        public int Channels => Png.Channels(ColourType);
    }

    /// <summary>Encodes 8-bit pixels (rows top to bottom, <see cref="Channels"/> bytes per pixel) without filtering.</summary>
    public static byte[] Encode(Image image, CompressionLevel level = CompressionLevel.Fastest)
    {
        var stride = image.Width * image.Channels;
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, level, leaveOpen: true))
            for (var y = 0; y < image.Height; y++)
            {
                z.WriteByte(0); // filter: none
                z.Write(image.Pixels, y * stride, stride);
            }
        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), image.Height);
        header[8] = 8;
        header[9] = image.ColourType;
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, idat.ToArray());
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>The largest side of an image this decoder reads (gpt-image edits take at most 3840 pixels a side).</summary>
    public const int MaxSide = 8192;

    /// <summary>The most memory one decoded image may take.</summary>
    public const long MaxDecodedBytes = 64L * 1024 * 1024;

    /// <exception cref="InvalidDataException">Not a PNG, or a kind this decoder does not read (the message says which).</exception>
    public static Image Decode(ReadOnlySpan<byte> png)
    {
        if (!png.StartsWith(Signature)) throw new InvalidDataException("not a PNG file");
        int width = 0, height = 0;
        byte colourType = 0;
        using var idat = new MemoryStream();
        for (var at = Signature.Length; at + 12 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png[at..]);
            if (length < 0 || at + 12 + length > png.Length) throw new InvalidDataException("PNG chunk runs past the end of the file");
            var type = png.Slice(at + 4, 4);
            var data = png.Slice(at + 8, length);
            if (type.SequenceEqual("IHDR"u8))
            {
                if (length != 13) throw new InvalidDataException("PNG header chunk has the wrong length");
                (width, height, colourType) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data[4..]), data[9]);
                if (data[8] != 8) throw new InvalidDataException($"{data[8]}-bit PNGs are not supported (8-bit only)");
                if (data[12] != 0) throw new InvalidDataException("interlaced PNGs are not supported");
                if (colourType is not (Grey or Rgb or GreyAlpha or Rgba)) throw new InvalidDataException($"PNG colour type {colourType} is not supported");
                // Checked before anything is allocated: a few bytes of header must not make the worker allocate gigabytes.
                if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height * Channels(colourType) > MaxDecodedBytes)
                    throw new InvalidDataException($"a {width}x{height} PNG is larger than masks may be ({MaxSide} pixels a side, {MaxDecodedBytes / 1024 / 1024} MB decoded)");
            }
            else if (type.SequenceEqual("IDAT"u8)) idat.Write(data);
            else if (type.SequenceEqual("IEND"u8)) break;
            at += 12 + length;
        }
        if (width <= 0 || height <= 0) throw new InvalidDataException("PNG has no IHDR");
        idat.Position = 0;
        using var inflated = new ZLibStream(idat, CompressionMode.Decompress);
        return new Image(width, height, colourType, Unfilter(inflated, width, height, Channels(colourType)));
    }

    public static int Channels(byte colourType) => colourType switch { Grey => 1, GreyAlpha => 2, Rgb => 3, _ => 4 };

    public static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        png.Write(type);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc(Crc(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu);
        png.Write(number);
    }

    /// <summary>Running CRC-32 of PNG chunks: start with 0xFFFFFFFF, finish by XOR with 0xFFFFFFFF.</summary>
    public static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static byte[] Unfilter(Stream rows, int width, int height, int bpp)
    {
        var stride = width * bpp;
        var pixels = new byte[stride * height];
        var previous = new byte[stride];
        var filter = new byte[1];
        for (var y = 0; y < height; y++)
        {
            rows.ReadExactly(filter);
            var row = pixels.AsSpan(y * stride, stride);
            rows.ReadExactly(row);
            for (var x = 0; x < stride; x++)
            {
                int a = x >= bpp ? row[x - bpp] : 0, b = previous[x], c = x >= bpp ? previous[x - bpp] : 0;
                row[x] += filter[0] switch
                {
                    0 => 0,
                    1 => (byte)a,
                    2 => (byte)b,
                    3 => (byte)((a + b) / 2),
                    4 => Paeth(a, b, c),
                    var f => throw new InvalidDataException($"PNG row filter {f} is not valid"),
                };
            }
            row.CopyTo(previous);
        }
        return pixels;
    }

    private static byte Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
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
