using BatchEditor.Downloads;

namespace BatchEditor.Providers;

/// <summary>
/// Fetching a row's input (an image or a mask) for providers that need the bytes rather than the URL, before the submit
/// fence. Failures are refusals made before anything reached the provider, so nothing was billed:
/// <see cref="InputDownloadException"/>. Bounded by the download deadlines (<see cref="DownloadOptions"/>).
/// </summary>
public static class InputDownload
{
    public static async Task<byte[]> GetBytesAsync(HttpClient http, DownloadOptions deadlines, string url, string what, long maxBytes, CancellationToken ct)
    {
        using var copy = new MemoryStream();
        await CopyToAsync(http, deadlines, url, what, maxBytes, copy, ct);
        return copy.ToArray();
    }

    /// <summary>Streams the input into <paramref name="destination"/>, refusing it beyond <paramref name="maxBytes"/>.</summary>
    public static async Task CopyToAsync(HttpClient http, DownloadOptions deadlines, string url, string what, long maxBytes, Stream destination, CancellationToken ct)
    {
        try
        {
            using var download = await BoundedDownload.GetAsync(http, url, deadlines, what, ct);
            var response = download.Response;
            if (!response.IsSuccessStatusCode)
                throw new InputDownloadException($"{what} could not be downloaded: {(int)response.StatusCode} from {Host(url)}", HttpOutcomes.IsTransient(response.StatusCode));
            if (response.Content.Headers.ContentLength > maxBytes) throw TooLarge(what, maxBytes);
            await using var body = await download.ReadBodyAsync(ct);
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                if ((total += read) > maxBytes) throw TooLarge(what, maxBytes);
                await destination.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        catch (Exception e) when (OutboundGuard.RefusalIn(e) is { } refused)
        {
            throw new InputDownloadException($"{what} was not downloaded: {refused.Message}", retryable: false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or DownloadTimeoutException)
        {
            throw new InputDownloadException($"{what} could not be downloaded from {Host(url)}: {e.Message}", retryable: true);
        }
    }

    public static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : url;

    private static InputDownloadException TooLarge(string what, long maxBytes) =>
        new($"{what} is larger than the {maxBytes / 1024 / 1024} MB limit", retryable: false);
}

/// <summary>An input could not be fetched; <see cref="Retryable"/> when trying again later may work (network, 5xx, a stall).</summary>
public sealed class InputDownloadException(string message, bool retryable) : Exception(message)
{
    public bool Retryable { get; } = retryable;
}
