using SkiaSharp;

namespace BatchEditor.Imaging;

/// <summary>
/// Manifest masks follow OpenAI's convention: transparent pixels (alpha 0) are edited, opaque ones kept. Providers
/// that read a black-and-white mask (GMI Cloud: white = edit) get this conversion, which is exact: alpha 0 becomes
/// white, any other alpha black. A mask without an alpha channel has no well-defined conversion and is refused. Masks
/// are read and written with Skia (PNG, and WebP or any other format it reads, with transparency); an image larger
/// than <see cref="MaxSide"/> a side or <see cref="MaxDecodedBytes"/> decoded is refused from its header, before any
/// pixel is decoded.
/// </summary>
public static class MaskConversion
{
    /// <summary>The largest side of a mask (gpt-image edits take at most 3840 pixels a side).</summary>
    public const int MaxSide = 8192;

    /// <summary>The most memory one decoded mask may take.</summary>
    public const long MaxDecodedBytes = 64L * 1024 * 1024;

    /// <returns>A PNG, 8-bit grey: white where the mask was transparent.</returns>
    /// <exception cref="InvalidDataException">Not an image, too large, or without an alpha channel (the message says which).</exception>
    public static byte[] TransparentToWhite(ReadOnlySpan<byte> image)
    {
        using var data = SKData.CreateCopy(image);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException("not an image Skia can read (PNG, WebP, JPEG…)");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height * 4 > MaxDecodedBytes)
            throw new InvalidDataException($"a {width}x{height} image is larger than masks may be ({MaxSide} pixels a side, {MaxDecodedBytes / 1024 / 1024} MB decoded)");
        if (codec.Info.AlphaType == SKAlphaType.Opaque)
            throw new InvalidDataException("the mask has no alpha channel, so its transparent (edit) area is undefined; save it as a PNG with transparency");

        // Unpremultiplied, so that alpha is exactly what the file says.
        using var rgba = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var result = codec.GetPixels(rgba.Info, rgba.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException(result == SKCodecResult.IncompleteInput ? "the mask's data is cut short" : $"the mask cannot be decoded ({result})");

        using var grey = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var source = rgba.GetPixelSpan();
        var target = grey.GetPixelSpan();
        for (var i = 0; i < target.Length; i++) target[i] = source[i * 4 + 3] == 0 ? (byte)255 : (byte)0;
        using var png = grey.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
