using BatchEditor.Storage;
using BatchEditor.Storage.AzureBlob;

namespace BatchEditor.Tests;

public class SecretFreeToStringTests
{
    private const string DevelopmentStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    [Fact]
    public void Options_and_records_that_hold_secrets_never_print_them()
    {
        var account = AzureBlobAccount.From(new StorageOptions { ConnectionString = DevelopmentStorage });
        var sas = AzureBlobAccount.From(new StorageOptions { ConnectionString = "BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2021-12-02&sig=SECRETSIG" });
        var storage = new StorageOptions { Kind = "AzureBlob", ConnectionString = DevelopmentStorage };
        var provider = new Providers.ProviderSettings { BaseUrl = "https://api.example.com", ApiKey = "sk-SECRET" };
        var webhooks = new Webhooks.WebhookOptions { SigningSecret = "whsec-SECRET" };

        Assert.DoesNotContain("Eby8vdM02", account.ToString());
        Assert.DoesNotContain("SECRETSIG", sas.ToString());
        Assert.DoesNotContain("SECRETSIG", sas.Endpoint.ToString());
        Assert.DoesNotContain("Eby8vdM02", storage.ToString());
        Assert.DoesNotContain("SECRET", provider.ToString());
        Assert.DoesNotContain("SECRET", webhooks.ToString());
    }
}
