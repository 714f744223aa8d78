using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace BatchEditor.Storage;

/// <summary>
/// The embedded default store: a folder. Writes go to a temporary file, are hashed while written, re-read to
/// verify, then moved into place without overwriting, so a crash never leaves a half file under a final name.
/// </summary>
public sealed class FileSystemBlobStore(IOptions<StorageOptions> options) : IBlobStore
{
    private readonly string _root = Path.GetFullPath(options.Value.Root);

    public string Kind => "FileSystem";

    public Task EnsureReadyAsync(CancellationToken ct)
    {
        try
        {
            Directory.CreateDirectory(_root);
            var probe = Path.Combine(_root, $".probe-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Storage folder {_root} is not writable: {e.Message}", e);
        }
    }

    public string? ReadLink(string location, DateTimeOffset expiresAt) => null;

    public Stream? OpenRead(string name)
    {
        var path = PathOf(name);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true) : null;
    }

    public async Task<StoredBlob> PutIfAbsentAsync(string name, Stream content, BlobWrite write, CancellationToken ct)
    {
        var path = PathOf(name);
        if (File.Exists(path)) return await Describe(name, path, write.ContentType, existed: true, ct);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.partial-{Guid.NewGuid():N}";
        try
        {
            string written;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            using (var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            {
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
                try
                {
                    int read;
                    while ((read = await content.ReadAsync(buffer, ct)) > 0)
                    {
                        md5.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), ct);
                    }
                }
                finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
                await file.FlushAsync(ct);
                written = Convert.ToBase64String(md5.GetHashAndReset());
            }
            var stored = await Describe(name, temp, write.ContentType, existed: false, ct);
            if (stored.Md5Base64 != written)
                throw new IOException($"{name}: stored bytes do not match what was received (MD5 {stored.Md5Base64} vs {written})");
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another worker stored the same output first: deterministic names make this a no-op.
                return await Describe(name, path, write.ContentType, existed: true, ct);
            }
            return stored with { Location = path };
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private string PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(_root, name));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Blob name '{name}' escapes the storage root.", nameof(name));
        return path;
    }

    private static async Task<StoredBlob> Describe(string name, string path, string contentType, bool existed, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var md5 = Convert.ToBase64String(await MD5.HashDataAsync(file, ct));
        return new StoredBlob(name, path, file.Length, md5, contentType, existed);
    }
}
