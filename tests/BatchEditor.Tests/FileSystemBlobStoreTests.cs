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
    public async Task A_file_written_for_another_item_is_reported_as_theirs_never_as_this_ones()
    {
        // Two ids that differ only by case ("ABC", "abc") name the same path on a case-insensitive file system.
        var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Root = _root }));
        var first = await store.PutIfAbsentAsync("m/abc/1.png", new MemoryStream([1, 2, 3]), Owned("ABC"), CancellationToken.None);
        var second = await store.PutIfAbsentAsync("m/abc/1.png", new MemoryStream([4, 5, 6]), Owned("abc"), CancellationToken.None);

        Assert.Equal("ABC", first.Metadata?["item"]);
        Assert.True(second.AlreadyExisted);
        Assert.Equal("ABC", second.Metadata?["item"]); // the copier refuses it: not written for "abc"
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(first.Location));
        var again = await store.PutIfAbsentAsync("m/abc/1.png", new MemoryStream([1, 2, 3]), Owned("ABC"), CancellationToken.None);
        Assert.Equal("ABC", again.Metadata?["item"]); // its own output is still taken as a repeat
    }

    [Fact]
    public async Task A_file_without_a_record_of_its_writer_is_not_taken_as_anyones()
    {
        var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Root = _root }));
        Directory.CreateDirectory(Path.Combine(_root, "m", "x"));
        await File.WriteAllBytesAsync(Path.Combine(_root, "m", "x", "1.png"), [7, 7, 7]); // put there by something else
        var stored = await store.PutIfAbsentAsync("m/x/1.png", new MemoryStream([1, 2, 3]), Owned("x"), CancellationToken.None);
        Assert.True(stored.AlreadyExisted);
        Assert.NotNull(stored.Metadata);
        Assert.False(stored.Metadata!.ContainsKey("item"));
    }

    private static BlobWrite Owned(string item) => new("image/png", new Dictionary<string, string> { ["manifestid"] = "m1", ["item"] = item, ["run"] = "1" });

    [Fact]
    public async Task Names_cannot_escape_the_root()
    {
        var store = new FileSystemBlobStore(Options.Create(new StorageOptions { Root = _root }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutIfAbsentAsync("../x.png", new MemoryStream([1]), Png, CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>Outputs land in the user's data folder by default, never in whatever folder a command runs in.</summary>
public class StorageDefaultsTests
{
    [Fact]
    public void The_default_root_is_an_absolute_data_folder_not_the_working_directory()
    {
        var root = new StorageOptions().Root;
        Assert.True(Path.IsPathRooted(root), root);
        Assert.EndsWith(Path.Combine("batch-editor", "outputs"), root, StringComparison.Ordinal);
        Assert.False(root.StartsWith(Environment.CurrentDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal), root);
    }
}
