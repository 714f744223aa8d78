using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;
using BatchEditor.Imaging;
using SkiaSharp;

namespace BatchEditor.Tests;

public class MaskConversionTests
{
    // Adwaita's 64x64 focus-top-bar-symbolic icon: RGBA, written by a real encoder with all five row filters.
    // Expected values from an independent Python decoder (zlib + the PNG specification's unfiltering).
    private const string RealIcon =
        "iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHeAAAABHNCSVQICAgIfAhkiAAAAWtJREFUeJzt2rFKw1AAheE/bRfBLgo6unZz1Edw8lEq7g4O4hv4FG59CXXQJ3BwE1HqoGIRjQ4ZGtqYSmtybnrPB3fopYFzT5NwGwJmZmZmY5vAEXAFPALfDR9D4AY4AbZmLb4PvAQQuqoxAo6BVtHizwIIWNc4B9r5xR8EEKrucQqQABvALdAlLp/Adhs4BPbEYRRakJ0Bl8CONovMXQI8AevqJCJpAqRkZ0Ko9oH3OY9dAQZlX0jI7ogh6wKvcx67Srav+VXhhiAm0RfQhEugUtGfAS5AHSAEs/40NL2kB0rW95fFpdVlq0Vp/qb/ugtzAeoAai5AHUDNBagDqLkAdQA1F6AOoOYC1AHUXIA6gJoLUAdQ6xTMXQBvdQdRmnxO1tPG+Xf3LPhMcKlFX0AHuJ6YGymCWHV8DygTfQFF+4Bl95z/EFsBX8BafiK2S2Bqh+sCFCmEpt42i+EesMv4zfAPZRAzM7PA/AD03yJShPLzqgAAAABJRU5ErkJggg==";

    [Fact]
    public void Skia_reads_a_real_encoders_png_with_every_filter_exactly_and_unpremultiplied()
    {
        using var codec = SKCodec.Create(new MemoryStream(Convert.FromBase64String(RealIcon)))!;
        using var rgba = new SKBitmap(new SKImageInfo(64, 64, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(rgba.Info, rgba.GetPixels()));
        Assert.Equal("a356176bc5732dd320a97edaf05663c0db82a2b9f6b132d6d44b1d4ac5816c3f", Convert.ToHexStringLower(SHA256.HashData(rgba.GetPixelSpan())));
    }

    [Fact]
    public void A_transparent_means_edit_mask_becomes_white_means_edit()
    {
        var white = Grey(MaskConversion.TransparentToWhite(Convert.FromBase64String(RealIcon)));
        Assert.Equal(64 * 64, white.Length);
        Assert.Equal(2707, white.Count(p => p == 255)); // exactly the transparent pixels
        Assert.Equal(64 * 64 - 2707, white.Count(p => p == 0));

        // Grey+alpha works the same: alpha 0 is the edit, any other alpha (even 1) is kept.
        Assert.Equal([255, 0], Grey(MaskConversion.TransparentToWhite(HandMadePng(2, 1, colourType: 4, [10, 0, 10, 1]))));
    }

    [Fact]
    public void A_mask_without_transparency_is_refused_with_the_reason()
    {
        var error = Assert.Throws<InvalidDataException>(() => MaskConversion.TransparentToWhite(HandMadePng(2, 2, colourType: 2, new byte[12])));
        Assert.Contains("no alpha channel", error.Message);
        Assert.Contains("not an image", Assert.Throws<InvalidDataException>(() => MaskConversion.TransparentToWhite("GIF89x"u8)).Message);
    }

    [Theory]
    [InlineData(100_000, 100_000)] // 40 GB as RGBA: refused, or this test could not finish
    [InlineData(8192, 8192)] // 256 MB as RGBA
    [InlineData(8193, 10)]
    public void A_header_claiming_a_huge_image_is_refused_before_any_pixel_is_decoded(int width, int height)
    {
        // One row of pixels and no more: were the image decoded, it would be reported cut short instead.
        var png = HandMadePng(width, height, colourType: 6, new byte[width * 4], rows: 1);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<InvalidDataException>(() => MaskConversion.TransparentToWhite(png));

        Assert.Contains("larger than masks may be", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024, "refused without allocating the image");
    }

    [Fact]
    public void A_mask_cut_short_is_refused()
    {
        var png = HandMadePng(64, 64, colourType: 6, new byte[64 * 64 * 4]);
        Assert.Throws<InvalidDataException>(() => MaskConversion.TransparentToWhite(png.AsSpan(0, png.Length - 40)));
    }

    /// <summary>The grey pixels of a PNG as Skia decodes it.</summary>
    private static byte[] Grey(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal(SKColorType.Gray8, bitmap.ColorType);
        return bitmap.GetPixelSpan().ToArray();
    }

    /// <summary>
    /// A PNG written from the specification: 8-bit samples of <paramref name="colourType"/> (2 RGB, 4 grey+alpha, 6 RGBA),
    /// rows unfiltered; with <paramref name="rows"/>, only that many of its <paramref name="height"/> rows.
    /// </summary>
    private static byte[] HandMadePng(int width, int height, byte colourType, byte[] pixels, int? rows = null)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        (header[8], header[9]) = (8, colourType);
        Chunk(png, "IHDR"u8, header);
        var written = rows ?? height;
        var stride = pixels.Length / written;
        using (var idat = new MemoryStream())
        {
            using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
                for (var y = 0; y < written; y++)
                {
                    z.WriteByte(0);
                    z.Write(pixels, y * stride, stride);
                }
            Chunk(png, "IDAT"u8, idat.ToArray());
        }
        Chunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        png.Write(word);
    }
}
