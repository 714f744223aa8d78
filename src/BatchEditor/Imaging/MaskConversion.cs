namespace BatchEditor.Imaging;

/// <summary>
/// Manifest masks follow OpenAI's convention: transparent pixels (alpha 0) are edited, opaque ones kept. Providers
/// that read a black-and-white mask (GMI Cloud: white = edit) get this conversion, which is exact: alpha 0 becomes
/// white, any other alpha black. A mask without an alpha channel has no well-defined conversion and is refused.
/// </summary>
public static class MaskConversion
{
    public static byte[] TransparentToWhite(ReadOnlySpan<byte> png)
    {
        var mask = Png.Decode(png);
        if (mask.ColourType is not (Png.Rgba or Png.GreyAlpha))
            throw new InvalidDataException("the mask has no alpha channel, so its transparent (edit) area is undefined; save it as a PNG with transparency");
        var channels = mask.Channels;
        var grey = new byte[mask.Width * mask.Height];
        for (var i = 0; i < grey.Length; i++) grey[i] = mask.Pixels[i * channels + channels - 1] == 0 ? (byte)255 : (byte)0;
        return Png.Encode(new Png.Image(mask.Width, mask.Height, Png.Grey, grey));
    }
}
