namespace BatchEditor.Storage.AzureBlob;

/// <summary>
/// A storage account as the Azure SDK's connection strings describe it (docs/azure-blob.md): an account key or a
/// SAS token, and the blob endpoint (from <c>BlobEndpoint</c>, or built from the account name and endpoint suffix).
/// </summary>
public sealed record BlobAccount(string Name, Uri Endpoint, byte[]? Key, string? Sas)
{
    public const string DevelopmentStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    /// <summary>Never the key or the SAS: an account may end up in a log line or an exception message.</summary>
    public override string ToString() => $"{Name} at {Endpoint} ({(Key is not null ? "account key" : Sas is not null ? "SAS" : "anonymous")})";

    /// <summary>Parses a connection string; the message of the exception names what is missing or malformed.</summary>
    public static BlobAccount Parse(string connectionString)
    {
        var parts = Split(connectionString);
        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
            parts = Split(DevelopmentStorage);

        byte[]? key = null;
        if (parts.TryGetValue("AccountKey", out var keyText))
        {
            try { key = Convert.FromBase64String(keyText); }
            catch (FormatException) { throw new FormatException("Storage connection string: AccountKey is not valid base64 (copy it again from the portal)"); }
        }
        var sas = parts.GetValueOrDefault("SharedAccessSignature")?.TrimStart('?');
        if (key is null && string.IsNullOrEmpty(sas))
            throw new FormatException("Storage connection string has neither AccountKey nor SharedAccessSignature");

        Uri endpoint;
        if (parts.TryGetValue("BlobEndpoint", out var blobEndpoint))
        {
            if (!Uri.TryCreate(blobEndpoint.TrimEnd('/'), UriKind.Absolute, out endpoint!) || endpoint.Scheme is not ("http" or "https"))
                throw new FormatException($"Storage connection string: BlobEndpoint '{blobEndpoint}' is not an http(s) URL");
        }
        else
        {
            var account = parts.GetValueOrDefault("AccountName") ?? throw new FormatException("Storage connection string needs AccountName or BlobEndpoint");
            var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol") ?? "https";
            endpoint = new Uri($"{protocol}://{account}.blob.{parts.GetValueOrDefault("EndpointSuffix") ?? "core.windows.net"}");
        }
        var name = parts.GetValueOrDefault("AccountName") ?? AccountFromEndpoint(endpoint);
        if (key is not null && name is null) throw new FormatException("Storage connection string: AccountKey needs AccountName");
        return new BlobAccount(name ?? "", endpoint, key, string.IsNullOrEmpty(sas) ? null : sas);
    }

    /// <summary>Emulator-style endpoints carry the account in the path (<c>http://host:port/account</c>).</summary>
    public bool PathStyle => Endpoint.AbsolutePath.Trim('/').Length > 0;

    public Uri BlobUri(string container, string? blob = null, string? query = null)
    {
        var path = blob is null ? container : $"{container}/{string.Join('/', blob.Split('/').Select(Uri.EscapeDataString))}";
        var builder = new UriBuilder($"{Endpoint.AbsoluteUri.TrimEnd('/')}/{path}");
        var q = string.Join('&', new[] { query, Sas }.Where(s => !string.IsNullOrEmpty(s)));
        if (q.Length > 0) builder.Query = q;
        return builder.Uri;
    }

    private static string? AccountFromEndpoint(Uri endpoint) =>
        endpoint.AbsolutePath.Trim('/') is { Length: > 0 } path ? path : endpoint.Host.Split('.')[0];

    private static Dictionary<string, string> Split(string connectionString)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var piece in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = piece.IndexOf('=', StringComparison.Ordinal); // values (keys, SAS tokens) may contain '='
            if (eq <= 0) throw new FormatException("Storage connection string: every part must be Key=Value, and one has no '='");
            parts[piece[..eq].Trim()] = piece[(eq + 1)..].Trim();
        }
        return parts;
    }
}
