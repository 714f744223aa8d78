using System.Security.Cryptography;
using System.Text;

namespace BatchEditor.Webhooks;

/// <summary>
/// The signature a receiver checks: header <c>BatchEditor-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where the hex is
/// HMAC-SHA256 with the signing secret over <c>"{t}.{raw body}"</c>. A receiver recomputes it over the bytes it received,
/// compares in constant time, and refuses a timestamp older than a few minutes (a replay).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "BatchEditor-Signature";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body) => $"t={timestamp},v1={Hex(secret, timestamp, body)}";

    public static bool Verify(string secret, string header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, out var timestamp) || !parts.TryGetValue("v1", out var given)) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hex(secret, timestamp, body)), Encoding.ASCII.GetBytes(given));
    }

    private static string Hex(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
