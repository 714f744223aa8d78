using System.ComponentModel.DataAnnotations;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using BatchEditor.Storage;
using BatchEditor.Storage.AzureBlob;

namespace BatchEditor.Tests;

/// <summary>How the Storage settings become an Azure SDK client, and what links the store may mint from each.</summary>
public class AzureBlobAccountTests
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static AzureBlobAccount From(string? connectionString = null, string? accountUrl = null, string? clientId = null) =>
        AzureBlobAccount.From(new StorageOptions { Kind = StorageOptions.AzureBlob, ConnectionString = connectionString, AccountUrl = accountUrl, ClientId = clientId },
            credential: accountUrl is null ? null : new NoCredential());

    [Fact]
    public void Connection_strings_are_read_as_users_paste_them_for_the_sdk()
    {
        var azure = From($"DefaultEndpointsProtocol=https;AccountName=shop;AccountKey={DevKey};EndpointSuffix=core.windows.net");
        Assert.Equal(("shop", "https://shop.blob.core.windows.net/", BlobAuth.AccountKey), (azure.Name, azure.Endpoint.AbsoluteUri, azure.Auth));

        var dev = From("UseDevelopmentStorage=true");
        Assert.Equal(("devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", BlobAuth.AccountKey), (dev.Name, dev.Endpoint.AbsoluteUri, dev.Auth));

        var sas = From("BlobEndpoint=https://shop.blob.core.windows.net/;SharedAccessSignature=sv=2021-12-02&sp=rcw&sr=c&sig=abc%3D");
        Assert.Equal((BlobAuth.Sas, "https://shop.blob.core.windows.net/"), (sas.Auth, sas.Endpoint.AbsoluteUri)); // the endpoint, without the SAS

        var identity = From(accountUrl: "https://shop.blob.core.windows.net");
        Assert.Equal(("shop", BlobAuth.Identity), (identity.Name, identity.Auth));
    }

    [Fact]
    public void A_client_id_picks_the_user_assigned_or_workload_identity_and_nothing_asks_a_person_to_sign_in()
    {
        var options = AzureBlobAccount.CredentialOptions("6f1c3c2e-0000-4000-8000-000000000001");
        Assert.Equal("6f1c3c2e-0000-4000-8000-000000000001", options.ManagedIdentityClientId);
        Assert.Equal("6f1c3c2e-0000-4000-8000-000000000001", options.WorkloadIdentityClientId);
        Assert.True(options.ExcludeInteractiveBrowserCredential);
        Assert.Null(AzureBlobAccount.CredentialOptions(null).ManagedIdentityClientId); // the system-assigned identity, or whatever the environment offers
    }

    [Theory]
    [InlineData("AccountName=shop;AccountKey=not*base64")]
    [InlineData("AccountName=shop;garbage")]
    [InlineData("SharedAccessSignature=sig=SECRET")]
    public void Bad_connection_strings_say_what_is_wrong_without_echoing_secrets(string connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => From(connectionString));
        Assert.StartsWith("Storage__ConnectionString is not an Azure Storage connection string the SDK can read", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64", error.Message);
        Assert.DoesNotContain("garbage", error.Message);
        Assert.DoesNotContain("SECRET", error.Message);
    }

    [Theory]
    [InlineData(null, null, "needs Storage__ConnectionString")]
    [InlineData("UseDevelopmentStorage=true", "https://shop.blob.core.windows.net", "both set")]
    [InlineData(null, "http://shop.blob.core.windows.net", "not an https URL")]
    public void Settings_that_cannot_work_are_refused_at_start(string? connectionString, string? accountUrl, string message)
    {
        var options = new StorageOptions { Kind = StorageOptions.AzureBlob, ConnectionString = connectionString, AccountUrl = accountUrl };
        Assert.Contains(options.Validate(new ValidationContext(options)), r => r.ErrorMessage!.Contains(message, StringComparison.Ordinal));
        options = new StorageOptions { MaxLinkLifetime = TimeSpan.FromDays(8) };
        Assert.Contains(options.Validate(new ValidationContext(options)), r => r.ErrorMessage!.Contains("MaxLinkLifetime", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_account_key_a_link_reads_one_blob_over_https_and_expires()
    {
        var account = From($"DefaultEndpointsProtocol=https;AccountName=shop;AccountKey={DevKey};EndpointSuffix=core.windows.net");
        var expires = DateTimeOffset.UtcNow.AddHours(2);
        var sign = await new BlobLinks(account, TimeProvider.System).SignerAsync(expires, CancellationToken.None);
        var link = new BlobUriBuilder(new Uri(sign!("https://shop.blob.core.windows.net/outputs/m/SKU%201/1.png")));
        Assert.Equal(("outputs", "m/SKU 1/1.png"), (link.BlobContainerName, link.BlobName));
        Assert.Equal(("r", SasProtocol.Https, "b"), (link.Sas.Permissions, link.Sas.Protocol, link.Sas.Resource));
        Assert.Equal(expires.ToUnixTimeSeconds(), link.Sas.ExpiresOn.ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("BlobEndpoint=https://shop.blob.core.windows.net/;SharedAccessSignature=sv=2021-12-02&sp=rcw&sr=c&sig=abc%3D")] // nothing to mint from
    [InlineData("DefaultEndpointsProtocol=http;AccountName=shop;AccountKey=" + DevKey + ";BlobEndpoint=http://blob.example.com/shop")] // plain http elsewhere
    public async Task Where_no_link_may_be_minted_there_is_none(string connectionString)
    {
        var links = new BlobLinks(From(connectionString), TimeProvider.System);
        Assert.False(links.CanMint);
        Assert.Null(await links.SignerAsync(DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None));
    }

    /// <summary>An identity that is never asked here: these tests make no request.</summary>
    private sealed class NoCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new NotSupportedException();
        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
