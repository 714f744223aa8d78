using System.Net.Http.Headers;
using BatchEditor.Downloads;
using BatchEditor.Imaging;

namespace BatchEditor.Providers.OpenAI;

/// <summary>
/// The row's images (and mask) downloaded to temporary files before anything is sent to OpenAI, so a failed
/// download is a clean refusal (nothing was submitted, nothing billed) and memory stays bounded however large they are.
/// </summary>
internal sealed class InputFiles : IAsyncDisposable
{
    public const long MaxImageBytes = 50L * 1024 * 1024;
    public const long MaxMaskBytes = 4L * 1024 * 1024;

    private readonly List<(string Part, string FileName, ImageKind Kind, FileStream File)> _files = [];

    public static async Task<InputFiles> DownloadAsync(HttpClient http, DownloadOptions deadlines, IReadOnlyList<string> imageUrls, string? maskUrl, CancellationToken ct)
    {
        var inputs = new InputFiles();
        try
        {
            for (var i = 0; i < imageUrls.Count; i++)
                await inputs.AddAsync(http, deadlines, "image[]", imageUrls[i], $"input image {i + 1}", MaxImageBytes, ct);
            if (maskUrl is not null)
            {
                await inputs.AddAsync(http, deadlines, "mask", maskUrl, "mask", MaxMaskBytes, ct);
                if (inputs._files[^1].Kind != ImageKind.Png) throw new InputDownloadException("the mask must be a PNG (OpenAI reads its alpha channel)", retryable: false);
            }
            return inputs;
        }
        catch
        {
            await inputs.DisposeAsync();
            throw;
        }
    }

    /// <summary>The multipart parts; the caller adds the text fields.</summary>
    public void AddTo(MultipartFormDataContent form)
    {
        foreach (var (part, fileName, kind, file) in _files)
        {
            file.Position = 0;
            var content = new StreamContent(file);
            content.Headers.ContentType = new MediaTypeHeaderValue(kind.ContentType);
            form.Add(content, part, fileName);
        }
    }

    private async Task AddAsync(HttpClient http, DownloadOptions deadlines, string part, string url, string what, long maxBytes, CancellationToken ct)
    {
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await InputDownload.CopyToAsync(http, deadlines, url, what, maxBytes, file, ct);
            file.Position = 0;
            var head = new byte[ImageKind.SniffLength];
            var kind = ImageKind.Sniff(head.AsSpan(0, await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct)))
                ?? throw new InputDownloadException($"{what} from {InputDownload.Host(url)} is not a PNG, JPEG or WebP image", retryable: false);
            _files.Add((part, $"{part.TrimEnd('[', ']')}-{_files.Count + 1}.{kind.Extension}", kind, file));
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var f in _files) await f.File.DisposeAsync();
        _files.Clear();
    }
}
