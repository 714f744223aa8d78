using Azure.Storage.Blobs;
using BatchEditor.Storage.AzureBlob;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Scheduling;

/// <summary>
/// Where a schedule finds its files: a folder, or <c>blob:&lt;container&gt;/&lt;prefix&gt;</c> in the Azure Blob account of
/// <c>Storage__ConnectionString</c> (or <c>Storage__AccountUrl</c>). Only <c>.csv</c> files (blobs) are read, in name order.
/// </summary>
public abstract class ScheduleSource
{
    public const string BlobScheme = "blob:";

    public abstract string Describe { get; }

    /// <summary>The CSV files' names, in order; throws when the source cannot be read.</summary>
    public abstract Task<IReadOnlyList<string>> ListAsync(CancellationToken ct);

    /// <summary>The file's content as a stream (never read whole into memory: a nightly export may be hundreds of MB).</summary>
    public abstract Task<Stream> OpenAsync(string name, CancellationToken ct);

    public static ScheduleSource Open(string source, IServiceProvider services) =>
        source.StartsWith(BlobScheme, StringComparison.OrdinalIgnoreCase)
            ? new BlobSource(services.GetRequiredService<AzureBlobAccount>().Service, source[BlobScheme.Length..])
            : new FolderSource(source);

    private sealed class FolderSource(string folder) : ScheduleSource
    {
        public override string Describe => folder;

        public override Task<IReadOnlyList<string>> ListAsync(CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<string>>(Directory.Exists(folder)
                ? [.. Directory.EnumerateFiles(folder, "*.csv").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
                : throw new DirectoryNotFoundException($"the source folder {folder} does not exist"));

        public override Task<Stream> OpenAsync(string name, CancellationToken ct) => Task.FromResult<Stream>(
            new FileStream(Path.Combine(folder, name), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    private sealed class BlobSource(BlobServiceClient service, string path) : ScheduleSource
    {
        private readonly BlobContainerClient _container = service.GetBlobContainerClient(path.Split('/', 2)[0]);
        private readonly string _prefix = path.Contains('/') ? path.Split('/', 2)[1] : "";

        public override string Describe => $"{BlobScheme}{_container.Name}/{_prefix}";

        public override async Task<IReadOnlyList<string>> ListAsync(CancellationToken ct)
        {
            var names = new List<string>();
            await foreach (var blob in _container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = _prefix }, ct))
                if (blob.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !blob.Name[_prefix.Length..].Contains('/')) names.Add(blob.Name);
            return [.. names.Order(StringComparer.Ordinal)];
        }

        public override async Task<Stream> OpenAsync(string name, CancellationToken ct) =>
            await _container.GetBlobClient(name).OpenReadAsync(cancellationToken: ct);
    }
}
