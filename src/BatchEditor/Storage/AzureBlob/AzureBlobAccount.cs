using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>How BatchEditor signs in to the storage account.</summary>
public enum BlobAuth
{
    /// <summary>A connection string with the account key: containers are created, links signed with the key.</summary>
    AccountKey,

    /// <summary>A connection string with a SAS token: the container must exist, and no link can be minted from it.</summary>
    Sas,

    /// <summary><see cref="StorageOptions.AccountUrl"/> and an Azure identity: links are user-delegation SAS.</summary>
    Identity,
}

/// <summary>
/// The storage account of the <c>Storage</c> settings as the Azure SDK's client: from <c>Storage__ConnectionString</c>
/// (every form the SDK reads: account key, SAS, <c>BlobEndpoint</c>, <c>UseDevelopmentStorage=true</c>), or from
/// <c>Storage__AccountUrl</c> signed in with <see cref="DefaultAzureCredential"/> (managed identity, workload identity,
/// environment credentials, Azure CLI), for accounts whose policy allows no shared key.
/// </summary>
public sealed class AzureBlobAccount
{
    /// <summary>
    /// The service version requests carry: one the pinned Azurite (3.35) serves as well as Azure, so the same client works
    /// against both without the emulator's version check turned off.
    /// </summary>
    public const BlobClientOptions.ServiceVersion Version = BlobClientOptions.ServiceVersion.V2025_11_05;

    private AzureBlobAccount(BlobServiceClient service, BlobAuth auth) => (Service, Auth) = (service, auth);

    public BlobServiceClient Service { get; }
    public BlobAuth Auth { get; }
    public Uri Endpoint => new(Service.Uri.GetLeftPart(UriPartial.Path)); // never a SAS the connection string carries
    public string Name => Service.AccountName;

    /// <param name="clientOptions">Retries and transport (tests shorten the back-off); <see cref="ClientOptions"/> by default.</param>
    /// <param name="credential">The identity for <see cref="StorageOptions.AccountUrl"/>; <see cref="DefaultAzureCredential"/> by default.</param>
    /// <exception cref="InvalidOperationException">Neither setting, or a connection string the SDK cannot read (the message never repeats it).</exception>
    public static AzureBlobAccount From(StorageOptions options, BlobClientOptions? clientOptions = null, TokenCredential? credential = null)
    {
        clientOptions ??= ClientOptions();
        if (!string.IsNullOrWhiteSpace(options.AccountUrl))
            return new(new BlobServiceClient(new Uri(options.AccountUrl), credential ?? new DefaultAzureCredential(CredentialOptions(options.ClientId)), clientOptions),
                BlobAuth.Identity);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new InvalidOperationException("Azure Blob needs Storage__ConnectionString or Storage__AccountUrl");
        BlobServiceClient service;
        try { service = new BlobServiceClient(options.ConnectionString, clientOptions); }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's messages name what is missing, never the values; the connection string itself is not repeated.
            throw new InvalidOperationException($"Storage__ConnectionString is not an Azure Storage connection string the SDK can read: {e.Message}", e);
        }
        return new(service, service.CanGenerateAccountSasUri ? BlobAuth.AccountKey : BlobAuth.Sas);
    }

    /// <summary>Transient answers (408, 429, 500, 502, 503, 504) and network faults retried with exponential back-off; other 4xx final.</summary>
    public static BlobClientOptions ClientOptions(TimeSpan? firstRetryDelay = null) => new(Version)
    {
        Retry =
        {
            Mode = Azure.Core.RetryMode.Exponential,
            MaxRetries = 4,
            Delay = firstRetryDelay ?? TimeSpan.FromMilliseconds(500),
            MaxDelay = TimeSpan.FromSeconds(30),
            NetworkTimeout = TimeSpan.FromMinutes(2),
        },
    };

    /// <summary>
    /// <see cref="DefaultAzureCredential"/> as a worker needs it: no interactive sign-in, and <paramref name="clientId"/>
    /// (a user-assigned managed identity, or the workload identity's app) when given.
    /// </summary>
    internal static DefaultAzureCredentialOptions CredentialOptions(string? clientId)
    {
        var options = new DefaultAzureCredentialOptions { ExcludeInteractiveBrowserCredential = true };
        if (!string.IsNullOrWhiteSpace(clientId))
        {
            options.ManagedIdentityClientId = clientId;
            options.WorkloadIdentityClientId = clientId;
        }
        return options;
    }

    /// <summary>Never the key or the SAS: an account may end up in a log line or an exception message.</summary>
    public override string ToString() => $"{Name} at {Endpoint} ({Auth switch { BlobAuth.AccountKey => "account key", BlobAuth.Sas => "SAS", _ => "Azure identity" }})";
}
