using BatchEditor.Imaging;
using SkiaSharp;
using Xunit;

namespace BatchEditor.Tests;

/// <summary>The fingerprint the output checks rest on, read from real encoded images by both decoding paths.</summary>
public sealed class ImageFingerprintTests
{
    private static MemoryStream Encode(int width, int height, SKEncodedImageFormat format, Func<int, int, SKColor> colour)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++) bitmap.SetPixel(x, y, colour(x, y));
        using var data = bitmap.Encode(format, 90);
        return new MemoryStream(data.ToArray());
    }

    private static SKColor Gradient(int x, int y) => new((byte)(x % 256), (byte)(y % 256), 128);

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, "png")]   // by scanline
    [InlineData(SKEncodedImageFormat.Jpeg, "jpg")]  // by scanline
    [InlineData(SKEncodedImageFormat.Webp, "webp")] // whole
    public void Size_kind_and_spread_are_read_from_every_format(SKEncodedImageFormat format, string extension)
    {
        var image = ImageFingerprint.Read(Encode(300, 200, format, Gradient));
        Assert.Equal((300, 200, extension), (image.Width, image.Height, image.Kind!.Extension));
        Assert.True(image.Spread > 20, $"a gradient has spread {image.Spread}");
        Assert.True(ImageFingerprint.Read(Encode(300, 200, format, (_, _) => new SKColor(200, 200, 200))).Spread < 1);
    }

    [Fact]
    public void The_same_picture_at_another_size_differs_by_almost_nothing_and_another_picture_by_much()
    {
        var small = ImageFingerprint.Read(Encode(128, 128, SKEncodedImageFormat.Png, (x, y) => Gradient(x * 2, y * 2)));
        var large = ImageFingerprint.Read(Encode(256, 256, SKEncodedImageFormat.Png, Gradient));
        var mirrored = ImageFingerprint.Read(Encode(256, 256, SKEncodedImageFormat.Png, (x, y) => Gradient(255 - x, y)));
        Assert.True(small.DifferenceFrom(large) < 1.0, $"{small.DifferenceFrom(large)}");
        Assert.True(mirrored.DifferenceFrom(large) > 10, $"{mirrored.DifferenceFrom(large)}");
    }

    [Fact]
    public void What_is_not_an_image_or_is_cut_short_is_refused_with_the_reason()
    {
        Assert.Contains("not an image", Assert.Throws<InvalidDataException>(() => ImageFingerprint.Read(new MemoryStream("<html>nope</html>"u8.ToArray()))).Message);
        var png = Encode(400, 400, SKEncodedImageFormat.Png, Gradient).ToArray();
        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(() => ImageFingerprint.Read(new MemoryStream(png[..(png.Length / 3)]))).Message);
    }
}

/// <summary>The channels' limits, as docs/checks.md states them.</summary>
public sealed class ChannelPresetTests
{
    [Theory]
    [InlineData("shopify", 4472, 4472, "png", 5_000_000, null)]
    [InlineData("shopify", 5000, 3000, "png", 5_000_000, "is 5000 px on its longer side; shopify takes at most 4472")]
    [InlineData("shopify", 2048, 2048, "png", 25_000_000, "is 23 MB; shopify takes at most 20 MB")]
    [InlineData("amazon", 800, 800, "jpg", 1_000_000, "is 800 px on its longer side; amazon asks at least 1000")]
    [InlineData("amazon", 2000, 1500, "webp", 1_000_000, "is webp; amazon takes jpg, png")]
    [InlineData("etsy", 3000, 2000, "jpg", 3_000_000, null)]
    public void Limits(string channel, int width, int height, string format, long bytes, string? breaks) =>
        Assert.Equal(breaks, BatchEditor.Checks.ChannelPreset.Find(channel)!.Breaks(width, height, format, bytes));
}
