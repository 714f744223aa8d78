using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace BatchEditor.Storage.AzureBlob;

/// <summary>
/// Links to outputs that grant only what they should: read, one blob, https only (plain http only for an emulator on
/// this machine), until a time no later than <see cref="StorageOptions.MaxLinkLifetime"/>. With the account key, a
/// service SAS; with an Azure identity, a user-delegation SAS (the delegation key is fetched once and reused until it
/// would expire before a link). With a SAS connection string there is nothing to mint from, and its own SAS (read,
/// create, write on the container) is never handed out: no link, and the dashboard streams the output itself.
/// </summary>
public sealed class BlobLinks(AzureBlobAccount account, TimeProvider clock)
{
    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private UserDelegationKey? _delegationKey;

    /// <summary>Whether links can be minted here at all (an account key or an identity, over https or a local emulator).</summary>
    public bool CanMint => account.Auth != BlobAuth.Sas && Protocol is not null;

    /// <summary>
    /// A function that turns a stored blob's location into a link valid until <paramref name="expiresAt"/>; null when no
    /// link can be minted here (see <see cref="CanMint"/>).
    /// </summary>
    public async Task<Func<string, string>?> SignerAsync(DateTimeOffset expiresAt, CancellationToken ct)
    {
        if (!CanMint || Protocol is not { } protocol) return null;
        var key = account.Auth == BlobAuth.Identity ? await DelegationKeyAsync(expiresAt, ct) : null;
        return location =>
        {
            var blob = new BlobUriBuilder(new Uri(location)) { Sas = null, Query = null };
            var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresAt)
            {
                BlobContainerName = blob.BlobContainerName,
                BlobName = blob.BlobName,
                Resource = "b",
                Protocol = protocol,
            };
            var client = account.Service.GetBlobContainerClient(blob.BlobContainerName).GetBlobClient(blob.BlobName);
            return (key is null ? client.GenerateSasUri(sas) : client.GenerateUserDelegationSasUri(sas, key)).ToString();
        };
    }

    /// <summary>https only; https and http only for an emulator on this machine; none for a plain-http endpoint elsewhere.</summary>
    private SasProtocol? Protocol => account.Endpoint.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https
        : account.Endpoint.IsLoopback ? SasProtocol.HttpsAndHttp
        : null;

    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset linkExpiresAt, CancellationToken ct)
    {
        await _keyGate.WaitAsync(ct);
        try
        {
            if (_delegationKey is { } cached && cached.SignedExpiresOn >= linkExpiresAt) return cached;
            var now = clock.GetUtcNow();
            // A key lives at most 7 days, as long as a link may (StorageOptions.MaxLinkLifetime): one key serves them all.
            _delegationKey = (await account.Service.GetUserDelegationKeyAsync(now.AddMinutes(-5), now + StorageOptions.LongestLink, ct)).Value;
            return _delegationKey;
        }
        finally
        {
            _keyGate.Release();
        }
    }
}
