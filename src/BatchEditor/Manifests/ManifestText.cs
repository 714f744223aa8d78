using System.Text;

namespace BatchEditor.Manifests;

/// <summary>
/// How a manifest's bytes become text: a byte order mark names the encoding (UTF-8, UTF-16, UTF-32); without one, a file
/// whose first characters alternate with zero bytes is UTF-16 (little or big endian); anything else is read as UTF-8,
/// bytes that are not UTF-8 becoming U+FFFD, which the reader reports as an error at that line and column (never
/// imported as garbled text).
/// </summary>
public static class ManifestText
{
    /// <param name="stream">Read from its start; it need not seek (an upload read from the database as it arrives).</param>
    public static StreamReader Open(Stream stream)
    {
        var head = new byte[4];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (stream.CanSeek) stream.Seek(0, SeekOrigin.Begin);
        else stream = new Downloads.ReplayedHeadStream(head[..read], stream);
        Encoding encoding = read >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0 ? new UnicodeEncoding(false, false, true)
            : read >= 4 && head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0 ? new UnicodeEncoding(true, false, true)
            : new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
        return new StreamReader(stream, encoding, detectEncodingFromByteOrderMarks: true);
    }
}
