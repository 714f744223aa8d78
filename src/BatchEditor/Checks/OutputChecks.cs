using System.Globalization;
using BatchEditor.Downloads;
using BatchEditor.Imaging;
using BatchEditor.Providers;
using BatchEditor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Checks;

/// <summary>
/// Checks a stored output before its item counts as done: read back from storage and fingerprinted
/// (<see cref="ImageFingerprint"/>), it must decode, be the format asked for, have the shape of the size asked for,
/// not be blank or near-uniform, not be the input returned unchanged, and — with a mask — not change the image where
/// the mask protects it.
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
        internal bool MaskTried { get; set; }
        internal ImageFingerprint? Mask { get; set; }
    }

    /// <summary>Null when the output passes; otherwise what is wrong with it, in words that follow "output 1 …".</summary>
    /// <param name="channel">The sales channel whose limits the output must meet (<see cref="ChannelPreset"/>), if the manifest names one.</param>
    public async Task<string?> FailureAsync(EditRequest request, string blobName, long bytes, string? channel, InputMemo input, CancellationToken ct)
    {
        ImageFingerprint output;
        try
        {
            output = await ImageFingerprint.ReadAsync(await store.OpenReadAsync(blobName, ct) ?? throw new InvalidDataException("it is not in storage"), Thumbnails.Side, ct);
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
        if (ChannelPreset.Find(channel)?.Breaks(output.Width, output.Height, output.Kind?.Extension, bytes) is { } breaks) return breaks;
        if (output.Spread < o.BlankSpread)
            return $"is blank or near-uniform (luminance spread {output.Spread.ToString("0.0", CultureInfo.InvariantCulture)} of 255)";
        if (o.CompareWithInput && await InputAsync(request, input, ct) is { } source
            && output.DifferenceFrom(source) < o.UnchangedDifference && Math.Abs(output.Aspect - source.Aspect) < 0.01)
            return $"is the input image returned unchanged (mean difference {output.DifferenceFrom(source).ToString("0.0", CultureInfo.InvariantCulture)} of 255)";
        if (o.CompareWithInput && request.MaskUrl is { } maskUrl && await InputAsync(request, input, ct) is { } original
            && Math.Abs(output.Aspect - original.Aspect) < 0.01 && await MaskAsync(request.RowId, maskUrl, input, ct) is { } mask
            && output.DifferenceOutside(original, mask) is { } outside && outside > o.MaskedChangeLimit)
            return $"changed the image outside its mask (mean difference {outside.ToString("0.0", CultureInfo.InvariantCulture)} of 255 where the mask protects it)";
        return null;
    }

    private async Task<ImageFingerprint?> MaskAsync(string rowId, string url, InputMemo memo, CancellationToken ct)
    {
        if (memo.MaskTried) return memo.Mask;
        memo.MaskTried = true;
        memo.Mask = await FetchAsync(rowId, url, "the mask", ct);
        return memo.Mask;
    }

    private async Task<ImageFingerprint?> InputAsync(EditRequest request, InputMemo memo, CancellationToken ct)
    {
        if (memo.Tried) return memo.Fingerprint;
        memo.Tried = true;
        if (request.ImageUrls.Count == 0) return null;
        memo.Fingerprint = await FetchAsync(request.RowId, request.ImageUrls[0], "the input image", ct);
        return memo.Fingerprint;
    }

    /// <summary>Hosts that could not be reached lately, by when: not asked again for a minute (one dead image host costs one timeout, not one per item).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _unreachable = new(StringComparer.OrdinalIgnoreCase);

    private static readonly TimeSpan UnreachableFor = TimeSpan.FromMinutes(1);

    /// <summary>An image fetched through the outbound guard within <see cref="CheckOptions.InputTimeout"/>; null (logged) when it cannot be.</summary>
    private async Task<ImageFingerprint?> FetchAsync(string rowId, string url, string what, CancellationToken ct)
    {
        var host = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : url;
        if (_unreachable.TryGetValue(host, out var since) && System.Diagnostics.Stopwatch.GetElapsedTime(since) < UnreachableFor) return null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Value.InputTimeout);
        try
        {
            using var download = await BoundedDownload.GetAsync(httpClients.CreateClient(OutputCopier.HttpClientName), url, downloads.Value, what, deadline.Token);
            if (!download.Response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)download.Response.StatusCode}");
            return await ImageFingerprint.ReadAsync(await download.ReadBodyAsync(deadline.Token), 0, deadline.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or TimeoutException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError }
                or TimeoutException or OperationCanceledException)
                _unreachable[host] = System.Diagnostics.Stopwatch.GetTimestamp();
            LogInputSkipped(rowId, what, e.Message);
            return null;
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

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Row {RowId}: {What} was not fetched for the output checks ({Reason}); the checks that need it are skipped")]
    private partial void LogInputSkipped(string rowId, string what, string reason);
}
