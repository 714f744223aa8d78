using System.Net;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Storage;
using BatchEditor.Storage.AzureBlob;
using Microsoft.Extensions.Options;

namespace BatchEditor.IntegrationTests;

/// <summary>The store through the Azure SDK against a real Azurite; what it wrote is read back with Microsoft's client.</summary>
public class AzureBlobStoreTests
{
    private static readonly HttpClient Http = new();

    private static async Task<(AzureBlobStore Store, AzuriteServer Azurite, string Container)> StoreAsync(
        int blockSize = 4 * 1024 * 1024, string? connectionString = null, string? container = null, string? prefix = null)
    {
        var azurite = await AzuriteServer.Shared;
        var options = new StorageOptions
        {
            Kind = StorageOptions.AzureBlob, ConnectionString = connectionString ?? azurite.ConnectionString,
            Container = container ?? $"c{Guid.NewGuid():N}", BlockSizeBytes = blockSize, Prefix = prefix,
        };
        var account = AzureBlobAccount.From(options, AzureBlobAccount.ClientOptions(TimeSpan.FromMilliseconds(50)));
        return (new AzureBlobStore(account, Options.Create(options), TimeProvider.System), azurite, options.Container);
    }

    private static BlobWrite Write(string contentType = "image/png") =>
        new(contentType, new Dictionary<string, string> { ["manifest"] = "spring 2027 ü", ["item"] = "SKU-1", ["prompthash"] = "ab12" });

    private static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_small_blob_is_stored_once_with_content_type_md5_and_metadata()
    {
        var (store, azurite, container) = await StoreAsync(prefix: "nightly/");
        await store.EnsureReadyAsync(CancellationToken.None);
        await store.EnsureReadyAsync(CancellationToken.None); // the container already exists: fine

        var content = Bytes(100_000);
        var stored = await store.PutIfAbsentAsync("m/SKU-1/1.png", new MemoryStream(content), Write(), CancellationToken.None);
        Assert.False(stored.AlreadyExisted);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(content)), stored.Md5Base64);
        Assert.Equal($"http://127.0.0.1:{azurite.Port}/devstoreaccount1/{container}/nightly/m/SKU-1/1.png", stored.Location);

        var blob = azurite.Client().GetBlobContainerClient(container).GetBlobClient("nightly/m/SKU-1/1.png");
        BlobProperties properties = await blob.GetPropertiesAsync();
        Assert.Equal(("image/png", 100_000L, stored.Md5Base64), (properties.ContentType, properties.ContentLength, Convert.ToBase64String(properties.ContentHash)));
        Assert.Equal("spring 2027 ü", Uri.UnescapeDataString(properties.Metadata["manifest"]));
        Assert.Equal("ab12", properties.Metadata["prompthash"]);
        Assert.Equal(content, (await blob.DownloadContentAsync()).Value.Content.ToArray());

        // A second write of the same name changes nothing, even with other bytes.
        var again = await store.PutIfAbsentAsync("m/SKU-1/1.png", new MemoryStream(Bytes(500, seed: 2)), Write(), CancellationToken.None);
        Assert.True(again.AlreadyExisted);
        Assert.Equal(stored.Md5Base64, again.Md5Base64);
    }

    [Fact]
    public async Task A_large_blob_goes_up_in_blocks_and_reads_back_identical_through_a_signed_url()
    {
        var (store, _, _) = await StoreAsync(blockSize: 64 * 1024);
        await store.EnsureReadyAsync(CancellationToken.None);
        var content = Bytes(64 * 1024 * 5 + 123);
        var stored = await store.PutIfAbsentAsync("big.png", new MemoryStream(content), Write(), CancellationToken.None);
        Assert.Equal(content.Length, stored.Size);

        var url = (await store.LinkSignerAsync(DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))!(stored.Location);
        Assert.Equal(content, await Http.GetByteArrayAsync(url));
        // The link grants reading this one blob, over https (and http only because the emulator is on this machine).
        var sas = new BlobUriBuilder(new Uri(url)).Sas;
        Assert.Equal(("r", SasProtocol.HttpsAndHttp, "b"), (sas.Permissions, sas.Protocol, sas.Resource));
        using var overwrite = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent([1]) };
        overwrite.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.SendAsync(overwrite)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.GetAsync(stored.Location)).StatusCode); // private without the signature
        var expired = (await store.LinkSignerAsync(DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None))!(stored.Location);
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.GetAsync(expired)).StatusCode);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.LinkSignerAsync(DateTimeOffset.UtcNow.AddDays(8), CancellationToken.None));
    }

    [Fact]
    public async Task A_copy_aborted_midway_leaves_no_blob()
    {
        var (store, azurite, container) = await StoreAsync(blockSize: 64 * 1024);
        await store.EnsureReadyAsync(CancellationToken.None);
        var failing = new FailingStream(Bytes(64 * 1024 * 3), failAfter: 64 * 1024 * 2);
        await Assert.ThrowsAsync<InvalidDataException>(() => store.PutIfAbsentAsync("cut.png", failing, Write(), CancellationToken.None));
        Assert.False(await azurite.Client().GetBlobContainerClient(container).GetBlobClient("cut.png").ExistsAsync());
    }

    [Fact]
    public async Task Startup_says_exactly_what_is_wrong()
    {
        var azurite = await AzuriteServer.Shared;
        var badKey = azurite.ConnectionString.Replace("AccountKey=Eby8", "AccountKey=Xby8", StringComparison.Ordinal);
        Assert.Contains("rejected the account key of 'devstoreaccount1'", await StartupError(badKey));

        var closed = azurite.ConnectionString.Replace($":{azurite.Port}/", ":9/", StringComparison.Ordinal);
        Assert.Contains("cannot be reached", await StartupError(closed));

        var sas = SasConnectionString(azurite, "missing-container");
        Assert.Contains("container 'missing-container' does not exist", await StartupError(sas, "missing-container"));
    }

    [Fact]
    public async Task A_sas_connection_string_writes_into_an_existing_container()
    {
        var (keyed, azurite, container) = await StoreAsync();
        await keyed.EnsureReadyAsync(CancellationToken.None);
        var (store, _, _) = await StoreAsync(connectionString: SasConnectionString(azurite, container), container: container);
        await store.EnsureReadyAsync(CancellationToken.None);
        var stored = await store.PutIfAbsentAsync("via-sas.png", new MemoryStream(Bytes(1000)), Write(), CancellationToken.None);
        Assert.False(stored.AlreadyExisted);
        Assert.Equal(1000, stored.Size);
        Assert.DoesNotContain("sig=", stored.Location); // the connection string's SAS is never part of a location
        // Its SAS (read, create, write on the container) is never handed out: no link; the dashboard streams the blob.
        Assert.Null(await store.LinkSignerAsync(DateTimeOffset.UtcNow.AddMinutes(15), CancellationToken.None));
        await using var read = await store.OpenReadAsync("via-sas.png", CancellationToken.None);
        Assert.Equal(Bytes(1000), (await BinaryData.FromStreamAsync(read!)).ToArray());
    }

    private static async Task<string> StartupError(string connectionString, string? container = null)
    {
        var (store, _, _) = await StoreAsync(connectionString: connectionString, container: container);
        return (await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureReadyAsync(CancellationToken.None))).Message;
    }

    /// <summary>A container-level SAS (read, create, write) as a user would paste it, with no account key.</summary>
    private static string SasConnectionString(AzuriteServer azurite, string container)
    {
        var service = azurite.Client();
        var sas = service.GetBlobContainerClient(container).GenerateSasUri(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Create
            | BlobContainerSasPermissions.Write, DateTimeOffset.UtcNow.AddHours(1));
        return $"BlobEndpoint={service.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')};SharedAccessSignature={sas.Query.TrimStart('?')}";
    }

    private sealed class FailingStream(byte[] data, int failAfter) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (Position >= failAfter) throw new InvalidDataException("download was truncated");
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, failAfter - (int)Position)], ct);
        }
    }
}
