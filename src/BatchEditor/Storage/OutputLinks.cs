namespace BatchEditor.Storage;

/// <summary>Signed links for a results export (`results --signed-urls`, the API's <c>signedFor</c>), or why there are none.</summary>
public static class OutputLinks
{
    /// <returns>A signer for links that live <paramref name="validFor"/>, or the reason none can be minted, as a user reads it.</returns>
    public static async Task<(Func<string, string>? Sign, string? Refusal)> ForAsync(IBlobStore store, StorageOptions options, TimeSpan validFor,
        DateTimeOffset now, CancellationToken ct)
    {
        if (validFor < TimeSpan.FromMinutes(1) || validFor > options.MaxLinkLifetime)
            return (null, $"links live between 00:01:00 and {options.MaxLinkLifetime} (Storage__MaxLinkLifetime)");
        if (await store.LinkSignerAsync(now + validFor, ct) is { } sign) return (sign, null);
        return (null, store.Kind == StorageOptions.AzureBlob
            ? "this Azure Blob account hands out no links: its connection string carries a SAS (never handed out), not the account key; " +
              "use the account key or Storage__AccountUrl with an identity, or fetch outputs through the dashboard"
            : $"signed links need Azure Blob storage; outputs are in {store.Kind} storage");
    }
}
