namespace BatchEditor.Imaging;

/// <summary>The image formats outputs may have, recognised by their leading bytes, not by what a server claims.</summary>
public sealed record ImageKind(string Extension, string ContentType)
{
    public static readonly ImageKind Png = new("png", "image/png");
    public static readonly ImageKind Jpeg = new("jpg", "image/jpeg");
    public static readonly ImageKind Webp = new("webp", "image/webp");

    public const int SniffLength = 12;

    public static ImageKind? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return Png;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return Jpeg;
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return Webp;
        return null;
    }
}
