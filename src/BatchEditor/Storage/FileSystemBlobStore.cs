using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace BatchEditor.Storage;

/// <summary>
/// The embedded default store: a folder. Writes go to a temporary file, are hashed while written, re-read to
/// verify, then moved into place without overwriting, so a crash never leaves a half file under a final name. Each file
/// has a hidden sidecar (<c>.{name}.meta.json</c>) with its metadata, claimed before the file itself, so a file is taken as
/// an item's own only when its sidecar says so: two ids that differ only by case share a path on a case-insensitive
/// file system, and the second is refused instead of taking the first one's output.
/// </summary>
public sealed class FileSystemBlobStore(IOptions<StorageOptions> options) : IBlobStore
{
    private readonly string _root = Path.GetFullPath(options.Value.Root);

    public string LocationOf(string name) => Path.Combine(_root, name);

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

    public Task<Func<string, string>?> LinkSignerAsync(DateTimeOffset expiresAt, CancellationToken ct) => Task.FromResult<Func<string, string>?>(null);

    public Task<Stream?> OpenReadAsync(string name, CancellationToken ct)
    {
        var path = PathOf(name);
        return Task.FromResult<Stream?>(File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true) : null);
    }

    public async Task<StoredBlob> PutIfAbsentAsync(string name, Stream content, BlobWrite write, CancellationToken ct)
    {
        var path = PathOf(name);
        if (File.Exists(path)) return await Describe(name, path, write.ContentType, existed: true, ct) with { Metadata = ReadSidecar(path) };

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // The sidecar decides whose the name is: claimed without overwriting, so of two writers only one owns it.
        var owner = ClaimSidecar(path, write.Metadata);
        if (owner is not null && !SameOwner(owner, write.Metadata)) return await DescribeForeign(name, path, write.ContentType, owner, ct);
        var stored = false;
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
            var described = await Describe(name, temp, write.ContentType, existed: false, ct);
            if (described.Md5Base64 != written)
                throw new IOException($"{name}: stored bytes do not match what was received (MD5 {described.Md5Base64} vs {written})");
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another worker stored the same output first (its sidecar is ours): deterministic names make this a no-op.
                stored = true;
                return await Describe(name, path, write.ContentType, existed: true, ct) with { Metadata = ReadSidecar(path) };
            }
            stored = true;
            return described with { Location = path, Metadata = write.Metadata };
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
            // A write that failed leaves nothing behind, not even the claim on its name (a retry claims it again).
            if (!stored && owner is null && !File.Exists(path)) File.Delete(SidecarOf(path));
        }
    }

    private static string SidecarOf(string path) => Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.meta.json");

    /// <summary>Writes the sidecar unless one is there; returns the one that was there (null when this call wrote it).</summary>
    private static Dictionary<string, string>? ClaimSidecar(string path, IReadOnlyDictionary<string, string> metadata)
    {
        var sidecar = SidecarOf(path);
        var temp = $"{sidecar}.partial-{Guid.NewGuid():N}";
        File.WriteAllText(temp, System.Text.Json.JsonSerializer.Serialize(metadata));
        try
        {
            File.Move(temp, sidecar, overwrite: false);
            return null;
        }
        catch (IOException) when (File.Exists(sidecar))
        {
            return ReadSidecar(path);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The metadata a file was written with; empty when it has none (not written by this store).</summary>
    private static Dictionary<string, string> ReadSidecar(string path)
    {
        try { return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(SidecarOf(path))) ?? []; }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return []; }
    }

    /// <summary>The same manifest, item and run (what names an output's owner; see <see cref="OutputCopier"/>).</summary>
    private static bool SameOwner(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        OwnerKeys.All(k => a.GetValueOrDefault(k) == b.GetValueOrDefault(k));

    private static readonly string[] OwnerKeys = ["manifestid", "item", "run"];

    /// <summary>The name belongs to someone else: described as existing, with its owner's metadata, so the caller refuses it.</summary>
    private static async Task<StoredBlob> DescribeForeign(string name, string path, string contentType, Dictionary<string, string> owner, CancellationToken ct) =>
        File.Exists(path)
            ? await Describe(name, path, contentType, existed: true, ct) with { Metadata = owner }
            : new StoredBlob(name, path, 0, "", contentType, AlreadyExisted: true, owner);

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
