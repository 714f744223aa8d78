using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using BatchEditor.Downloads;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;

namespace BatchEditor.Incremental;

/// <summary>
/// The key of the edit a row asks for: SHA-256 over its input images' bytes, its mask's bytes, its prompt (after
/// templating) and its parameters (model, size, quality, n, output format). Two rows with the same key ask for the same
/// edit, so an item that already succeeded with it can stand for a new one. Inputs are fetched through the outbound guard
/// under the download deadlines, each URL once per <see cref="Session"/> (one import).
/// </summary>
public sealed class EditKeys(IHttpClientFactory httpClients, IOptions<DownloadOptions> downloads)
{
    public const string HttpClientName = "edit-key-inputs";

    /// <summary>The largest input fetched for a comparison (the providers' own limits are lower).</summary>
    public const long MaxInputBytes = 100L * 1024 * 1024;

    /// <summary>How many inputs one import fetches at once.</summary>
    public const int Parallelism = 8;

    public Session Begin() => new(httpClients, downloads.Value);

    /// <summary>One import's keys: each input URL is fetched once however many rows use it.</summary>
    public sealed class Session(IHttpClientFactory httpClients, DownloadOptions deadlines)
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _inputs = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _fetches = new(Parallelism);

        /// <summary>
        /// The row's key, or why it cannot be compared (an input that could not be fetched: the row is sent). The manifest's
        /// channel check preset is part of it: outputs checked against another channel's limits do not stand for these.
        /// </summary>
        public async Task<(string? Key, string? Problem)> KeyAsync(EditRequest request, string? checkPreset, CancellationToken ct)
        {
            try
            {
                var text = new StringBuilder("edit-key v1\n");
                foreach (var part in new[] { request.Model, request.Prompt, request.Size, request.Quality, request.N.ToString(System.Globalization.CultureInfo.InvariantCulture), request.OutputFormat, checkPreset })
                    text.Append(part?.Length ?? -1).Append(':').Append(part).Append('\n');
                foreach (var url in request.ImageUrls) text.Append("image ").Append(await InputHashAsync(url, "input image", ct)).Append('\n');
                if (request.MaskUrl is { } mask) text.Append("mask ").Append(await InputHashAsync(mask, "mask", ct)).Append('\n');
                return (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))), null);
            }
            catch (InputDownloadException e)
            {
                return (null, e.Message);
            }
        }

        private Task<string> InputHashAsync(string url, string what, CancellationToken ct) =>
            _inputs.GetOrAdd(url, u => new Lazy<Task<string>>(() => FetchAsync(u, what, ct))).Value;

        private async Task<string> FetchAsync(string url, string what, CancellationToken ct)
        {
            await _fetches.WaitAsync(ct);
            try
            {
                using var sha = SHA256.Create();
                await using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write))
                    await InputDownload.CopyToAsync(httpClients.CreateClient(HttpClientName), deadlines, url, what, MaxInputBytes, hashing, ct);
                return Convert.ToHexStringLower(sha.Hash!);
            }
            finally
            {
                _fetches.Release();
            }
        }
    }
}
