using BatchEditor.Imaging;

namespace BatchEditor.Storage;

/// <summary>
/// Small JPEGs of outputs and inputs for contact sheets, kept in the store beside the outputs (under
/// <c>.thumbnails/</c>, outside every manifest's folder): made once, averaged from the image's rows in one pass
/// (<see cref="ImageFingerprint"/>, which bounds how many images are decoded at once).
/// </summary>
public sealed class Thumbnails(IBlobStore store)
{
    /// <summary>The longer side of a thumbnail, in pixels.</summary>
    public const int Side = 256;

    private static readonly BlobWrite Write = new("image/jpeg", new Dictionary<string, string> { ["kind"] = "thumbnail" });

    public static string OfOutput(string blobName) => $".thumbnails/{blobName}.jpg";

    public static string OfInput(long itemId, int index) => $".thumbnails/inputs/{itemId}-{index}.jpg";

    /// <summary>Keeps a thumbnail made elsewhere (the output checks make one in their pass).</summary>
    public async Task KeepAsync(string name, byte[] jpeg, CancellationToken ct) => await store.PutIfAbsentAsync(name, new MemoryStream(jpeg, writable: false), Write, ct);

    /// <summary>The kept thumbnail, or one made now from <paramref name="source"/> and kept; null when there is no source.</summary>
    public async Task<Stream?> OpenOrMakeAsync(string name, Func<CancellationToken, Task<Stream?>> source, CancellationToken ct)
    {
        if (await store.OpenReadAsync(name, ct) is { } kept) return kept;
        if (await source(ct) is not { } content) return null;
        var jpeg = (await ImageFingerprint.ReadAsync(content, Side, ct)).Thumbnail!;
        await KeepAsync(name, jpeg, ct);
        return new MemoryStream(jpeg, writable: false);
    }
}
