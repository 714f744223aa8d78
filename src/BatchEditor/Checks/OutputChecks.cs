using System.Globalization;
using BatchEditor.Downloads;
using BatchEditor.Imaging;
using BatchEditor.Providers;
using BatchEditor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Checks;

/// <summary>
/// Checks a stored output before its item counts as done: read back from storage and fingerprinted one row at a time
/// (<see cref="ImageFingerprint"/>), it must decode, be the format asked for, have the shape of the size asked for,
/// not be blank or near-uniform, and not be the input returned unchanged. One decoded row (or, for WebP, one image) at
/// a time, whatever the output's size.
/// </summary>
public sealed partial class OutputChecks(IBlobStore store, Thumbnails thumbnails, IHttpClientFactory httpClients, IOptions<DownloadOptions> downloads, IOptions<CheckOptions> options,
    ILogger<OutputChecks> logger)
{
    public bool Enabled => options.Value.Enabled;

    /// <summary>The first input's fingerprint, fetched once per item and shared by its outputs (null: not fetched).</summary>
    public sealed class InputMemo
    {
        internal bool Tried { get; set; }
        internal ImageFingerprint? Fingerprint { get; set; }
    }

    /// <summary>Null when the output passes; otherwise what is wrong with it, in words that follow "output 1 …".</summary>
    public async Task<string?> FailureAsync(EditRequest request, string blobName, InputMemo input, CancellationToken ct)
    {
        ImageFingerprint output;
        try
        {
            output = await FingerprintAsync(await store.OpenReadAsync(blobName, ct) ?? throw new InvalidDataException("it is not in storage"), ct, Thumbnails.Side);
        }
        catch (InvalidDataException e)
        {
            return $"cannot be read back as an image: {e.Message}";
        }
        // The contact sheets' thumbnail, made in the same pass over the rows.
        if (output.Thumbnail is { } thumbnail) await thumbnails.KeepAsync(Thumbnails.OfOutput(blobName), thumbnail, ct);
        var o = options.Value;
        if (AskedKind(request.OutputFormat) is { } asked && output.Kind != asked)
            return $"is {output.Kind?.Extension ?? "an unknown format"}, not the {asked.Extension} asked for";
        if (AskedAspect(request.Size) is { } aspect && Math.Abs(output.Aspect - aspect.Ratio) > aspect.Ratio * o.AspectTolerance)
            return $"is {output.Width}x{output.Height} ({Ratio(output.Aspect)}), not the shape asked for ({aspect.Text})";
        if (output.Spread < o.BlankSpread)
            return $"is blank or near-uniform (luminance spread {output.Spread.ToString("0.0", CultureInfo.InvariantCulture)} of 255)";
        if (o.CompareWithInput && await InputAsync(request, input, ct) is { } source
            && output.DifferenceFrom(source) < o.UnchangedDifference && Math.Abs(output.Aspect - source.Aspect) < 0.01)
            return $"is the input image returned unchanged (mean difference {output.DifferenceFrom(source).ToString("0.0", CultureInfo.InvariantCulture)} of 255)";
        return null;
    }

    private async Task<ImageFingerprint?> InputAsync(EditRequest request, InputMemo memo, CancellationToken ct)
    {
        if (memo.Tried) return memo.Fingerprint;
        memo.Tried = true;
        if (request.ImageUrls.Count == 0) return null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Value.InputTimeout);
        try
        {
            using var download = await BoundedDownload.GetAsync(httpClients.CreateClient(OutputCopier.HttpClientName), request.ImageUrls[0], downloads.Value,
                "the input image", deadline.Token);
            if (!download.Response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)download.Response.StatusCode}");
            memo.Fingerprint = await FingerprintAsync(await download.ReadBodyAsync(deadline.Token), deadline.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or TimeoutException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LogInputSkipped(request.RowId, e.Message);
        }
        return memo.Fingerprint;
    }

    /// <summary>Fingerprints a stream, through a temporary file when it cannot seek (a download): never whole in memory.</summary>
    private static async Task<ImageFingerprint> FingerprintAsync(Stream content, CancellationToken ct, int thumbnailSide = 0)
    {
        await using (content)
        {
            if (content.CanSeek) return ImageFingerprint.Read(content, thumbnailSide);
            await using var temp = new FileStream(Path.Combine(Path.GetTempPath(), $"batch-editor-check-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await content.CopyToAsync(temp, ct);
            temp.Position = 0;
            return ImageFingerprint.Read(temp, thumbnailSide);
        }
    }

    private static ImageKind? AskedKind(string? format) => format?.ToLowerInvariant() switch
    {
        "png" => ImageKind.Png,
        "jpeg" or "jpg" => ImageKind.Jpeg,
        "webp" => ImageKind.Webp,
        _ => null,
    };

    /// <summary>The shape a size asks for: "1024x1536", "2:3" or a provider's named preset; null for auto or unknown.</summary>
    internal static (double Ratio, string Text)? AskedAspect(string? size)
    {
        if (string.IsNullOrWhiteSpace(size)) return null;
        var named = size.ToLowerInvariant() switch
        {
            "square" or "square_hd" => "1:1",
            "portrait_4_3" => "3:4",
            "portrait_16_9" => "9:16",
            "landscape_4_3" => "4:3",
            "landscape_16_9" => "16:9",
            _ => size,
        };
        var parts = named.Split('x', ':', '*');
        return parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var w) && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var h)
               && w > 0 && h > 0
            ? (w / h, size)
            : null;
    }

    private static string Ratio(double aspect) => aspect.ToString("0.###", CultureInfo.InvariantCulture) + ":1";

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Row {RowId}: the input was not fetched for the unchanged-input check ({Reason}); that check is skipped")]
    private partial void LogInputSkipped(string rowId, string reason);
}
