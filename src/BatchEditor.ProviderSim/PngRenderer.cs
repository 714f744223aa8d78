using System.Buffers.Binary;
using System.Collections.Concurrent;
using SkiaSharp;

namespace BatchEditor.ProviderSim;

/// <summary>
/// Renders real PNG images (a diagonal two-colour gradient of the requested size) with Skia, so outputs pass signature
/// and size checks like a provider's would. Images are cached by size and colour.
/// Masks (<see cref="RenderMask"/>) are RGBA with a transparent centre: the area to edit, in OpenAI's convention.
/// </summary>
public static class PngRenderer
{
    private static readonly ConcurrentDictionary<(int W, int H, int Seed, bool Mirrored), byte[]> Cache = new();

    public static byte[] Render(int width, int height, int seed) => Cache.GetOrAdd((width, height, seed, false), key => Encode(key.W, key.H, key.Seed, key.Mirrored));

    /// <summary>
    /// A stand-in product photo (<c>/inputs/</c>): the gradient runs the other way, so no output an edit renders looks
    /// like its input unless a job is scripted to return the input itself (<c>[sim:unchanged]</c>).
    /// </summary>
    public static byte[] RenderInput(int width, int height, int seed) => Cache.GetOrAdd((width, height, seed, true), key => Encode(key.W, key.H, key.Seed, key.Mirrored));

    /// <summary>
    /// An input edited inside the transparent centre of <see cref="RenderMask"/> only: outside it, the input's pixels
    /// exactly; inside, an edit's.
    /// </summary>
    public static byte[] RenderMaskedEdit(int width, int height, int inputSeed, int editSeed)
    {
        using var input = SKBitmap.Decode(RenderInput(width, height, inputSeed));
        using var edit = SKBitmap.Decode(Render(width, height, editSeed));
        for (var y = height / 4; y < height * 3 / 4; y++)
            for (var x = width / 4; x < width * 3 / 4; x++) input.SetPixel(x, y, edit.GetPixel(x, y));
        return Encode(input);
    }

    /// <summary>The same picture as <c>jpeg</c> or <c>webp</c> (what an edit asked with <c>output_format</c> returns).</summary>
    public static byte[] Reencode(byte[] png, string format)
    {
        using var bitmap = SKBitmap.Decode(png);
        using var data = bitmap.Encode(format == "webp" ? SKEncodedImageFormat.Webp : SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>One flat colour: the blank output a provider sometimes returns.</summary>
    public static byte[] RenderFlat(int width, int height)
    {
        using var image = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        image.Erase(new SKColor(240, 240, 240));
        return Encode(image);
    }

    public static byte[] RenderMask(int width, int height)
    {
        using var mask = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = mask.GetPixelSpan();
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var centre = x >= width / 4 && x < width * 3 / 4 && y >= height / 4 && y < height * 3 / 4;
                pixels[(y * width + x) * 4 + 3] = centre ? (byte)0 : (byte)255;
            }
        return Encode(mask);
    }

    private static byte[] Encode(int width, int height, int seed, bool mirrored)
    {
        var (r, g, b) = ((byte)(seed * 37), (byte)(seed * 91 + 64), (byte)(seed * 53 + 128));
        using var image = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = image.GetPixelSpan();
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var shade = (byte)(((mirrored ? width - 1 - x : x) + y) * 255 / (width + height));
                var at = (y * width + x) * 4;
                (pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]) = ((byte)(r ^ shade), g, (byte)(b + shade / 4), 255);
            }
        return Encode(image);
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
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
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(header.AsSpan(4));
        var block = new byte[64 * 1024];
        new Random(padLength).NextBytes(block);
        for (var left = padLength; left > 0; left -= block.Length)
        {
            var part = block.AsMemory(0, Math.Min(block.Length, left));
            crc.Append(part.Span);
            await body.WriteAsync(part, ct);
        }
        BinaryPrimitives.WriteUInt32BigEndian(header, crc.GetCurrentHashAsUInt32());
        await body.WriteAsync(header.AsMemory(0, 4), ct);
        await body.WriteAsync(png.AsMemory(png.Length - iendLength), ct);
    }
}
