using BatchEditor.Storage;
using Microsoft.Extensions.Options;

namespace BatchEditor.Tests;

public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("be-fs-").FullName;
    private static readonly BlobWrite Png = new("image/png", new Dictionary<string, string>());

    [Fact]
    public async Task A_second_write_of_the_same_name_is_a_no_op_that_reports_the_stored_blob()
    {
        var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Root = _root }));
        var first = await store.PutIfAbsentAsync("m/a/1.png", new MemoryStream([1, 2, 3]), Png, CancellationToken.None);
        var second = await store.PutIfAbsentAsync("m/a/1.png", new MemoryStream([9, 9, 9, 9]), Png, CancellationToken.None);

        Assert.False(first.AlreadyExisted);
        Assert.True(second.AlreadyExisted);
        Assert.Equal(first.Md5Base64, second.Md5Base64);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(first.Location));
    }

    [Fact]
    public async Task A_write_that_fails_midway_leaves_no_file_behind()
    {
        var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Root = _root }));
        var failing = new CheckedStream(new MemoryStream([1, 2, 3]), expectedLength: 10, maxBytes: 100, "output 1");
        await Assert.ThrowsAsync<OutputDownloadException>(() => store.PutIfAbsentAsync("m/b/1.png", failing, Png, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Names_cannot_escape_the_root()
    {
        var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Root = _root }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutIfAbsentAsync("../x.png", new MemoryStream([1]), Png, CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
