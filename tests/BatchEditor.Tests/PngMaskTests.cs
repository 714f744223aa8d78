using System.Security.Cryptography;
using BatchEditor.Imaging;

namespace BatchEditor.Tests;

public class PngMaskTests
{
    // Adwaita's 64x64 focus-top-bar-symbolic icon: RGBA, written by a real encoder with all five row filters.
    // Expected values from an independent Python decoder (zlib + the PNG specification's unfiltering).
    private const string RealIcon =
        "iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHeAAAABHNCSVQICAgIfAhkiAAAAWtJREFUeJzt2rFKw1AAheE/bRfBLgo6unZz1Edw8lEq7g4O4hv4FG59CXXQJ3BwE1HqoGIRjQ4ZGtqYSmtybnrPB3fopYFzT5NwGwJmZmZmY5vAEXAFPALfDR9D4AY4AbZmLb4PvAQQuqoxAo6BVtHizwIIWNc4B9r5xR8EEKrucQqQABvALdAlLp/Adhs4BPbEYRRakJ0Bl8CONovMXQI8AevqJCJpAqRkZ0Ko9oH3OY9dAQZlX0jI7ogh6wKvcx67Srav+VXhhiAm0RfQhEugUtGfAS5AHSAEs/40NL2kB0rW95fFpdVlq0Vp/qb/ugtzAeoAai5AHUDNBagDqLkAdQA1F6AOoOYC1AHUXIA6gJoLUAdQ6xTMXQBvdQdRmnxO1tPG+Xf3LPhMcKlFX0AHuJ6YGymCWHV8DygTfQFF+4Bl95z/EFsBX8BafiK2S2Bqh+sCFCmEpt42i+EesMv4zfAPZRAzM7PA/AD03yJShPLzqgAAAABJRU5ErkJggg==";

    [Fact]
    public void A_real_encoders_png_with_every_filter_decodes_exactly()
    {
        var image = Png.Decode(Convert.FromBase64String(RealIcon));
        Assert.Equal((64, 64, Png.Rgba), (image.Width, image.Height, image.ColourType));
        Assert.Equal("a356176bc5732dd320a97edaf05663c0db82a2b9f6b132d6d44b1d4ac5816c3f", Convert.ToHexStringLower(SHA256.HashData(image.Pixels)));
    }

    [Fact]
    public void A_transparent_means_edit_mask_becomes_white_means_edit()
    {
        var white = Png.Decode(MaskConversion.TransparentToWhite(Convert.FromBase64String(RealIcon)));
        Assert.Equal((64, 64, Png.Grey), (white.Width, white.Height, white.ColourType));
        Assert.Equal(2707, white.Pixels.Count(p => p == 255)); // exactly the transparent pixels
        Assert.Equal(64 * 64 - 2707, white.Pixels.Count(p => p == 0));

        // Grey+alpha works the same: alpha 0 is the edit, any other alpha is kept.
        var greyAlpha = Png.Encode(new Png.Image(2, 1, Png.GreyAlpha, [10, 0, 10, 1]));
        Assert.Equal([255, 0], Png.Decode(MaskConversion.TransparentToWhite(greyAlpha)).Pixels);
    }

    [Fact]
    public void A_mask_without_transparency_is_refused_with_the_reason()
    {
        var opaque = Png.Encode(new Png.Image(2, 2, Png.Rgb, new byte[12]));
        var error = Assert.Throws<InvalidDataException>(() => MaskConversion.TransparentToWhite(opaque));
        Assert.Contains("no alpha channel", error.Message);
        Assert.Contains("not a PNG", Assert.Throws<InvalidDataException>(() => MaskConversion.TransparentToWhite("GIF89a"u8)).Message);
    }

    [Theory]
    [InlineData(100_000, 100_000, "larger than masks may be")]
    [InlineData(8192, 8192, "larger than masks may be")] // 256 MB as RGBA
    [InlineData(-5, 10, "larger than masks may be")]
    public void A_header_claiming_a_huge_image_is_refused_before_anything_is_allocated(int width, int height, string reason)
    {
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = Png.Rgba;
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Png.WriteChunk(png, "IHDR"u8, header);
        Png.WriteChunk(png, "IEND"u8, []);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<InvalidDataException>(() => Png.Decode(png.ToArray()));

        Assert.Contains(reason, e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024, "refused without allocating the image");
    }

    [Fact]
    public void A_header_chunk_of_the_wrong_length_is_refused()
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Png.WriteChunk(png, "IHDR"u8, [0, 0, 1]);
        Assert.Contains("wrong length", Assert.Throws<InvalidDataException>(() => Png.Decode(png.ToArray())).Message);
    }
}
