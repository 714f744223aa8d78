namespace BatchEditor.Tests;

public class SecretFreeToStringTests
{
    [Fact]
    public void Options_and_records_that_hold_secrets_never_print_them()
    {
        var account = Storage.AzureBlob.BlobAccount.Parse(Storage.AzureBlob.BlobAccount.DevelopmentStorage);
        var sas = Storage.AzureBlob.BlobAccount.Parse("BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2021&sig=SECRETSIG");
        var storage = new Storage.StorageOptions { Kind = "AzureBlob", ConnectionString = Storage.AzureBlob.BlobAccount.DevelopmentStorage };
        var provider = new Providers.ProviderSettings { BaseUrl = "https://api.example.com", ApiKey = "sk-SECRET" };
        var webhooks = new Webhooks.WebhookOptions { SigningSecret = "whsec-SECRET" };

        Assert.DoesNotContain("Eby8vdM02", account.ToString());
        Assert.DoesNotContain("SECRETSIG", sas.ToString());
        Assert.DoesNotContain("Eby8vdM02", storage.ToString());
        Assert.DoesNotContain("SECRET", provider.ToString());
        Assert.DoesNotContain("SECRET", webhooks.ToString());
    }
}
