using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace BatchEditor.Downloads;

/// <summary>A connection the outbound guard refused: the address is not one the worker may reach, and why.</summary>
public sealed class OutboundRefusedException(string message) : IOException(message);

/// <summary>
/// Every connection the worker makes to a URL it did not get from its own configuration (inputs, masks, outputs, a
/// provider's status and result URLs, webhooks) goes through this check, made at connect time after DNS, so a public
/// name that resolves to a private address is caught and the address connected to is the address checked (no DNS
/// rebinding between check and connect). Refused: loopback, private (RFC 1918, unique-local), link-local, cloud
/// metadata, carrier-grade NAT, unspecified, multicast and broadcast addresses, also as IPv4-mapped IPv6.
/// <c>Downloads__AllowPrivateNetworks=true</c> allows them (the demo, tests, on-premise storage); a provider's configured
/// <c>BaseUrl</c> (host and port) is trusted as configured.
/// </summary>
public sealed class OutboundGuard(IOptions<DownloadOptions> options)
{
    /// <summary>Why the worker may not connect to <paramref name="address"/>; null when it may.</summary>
    public static string? Refuses(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return "a loopback address";
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 => "an unspecified address",
                10 => "a private address",
                100 when b[1] is >= 64 and <= 127 => "a carrier-grade NAT address",
                169 when b[1] == 254 => b[2] == 169 && b[3] == 254 ? "the cloud metadata address" : "a link-local address",
                172 when b[1] is >= 16 and <= 31 => "a private address",
                192 when b[1] == 168 => "a private address",
                192 when b[1] == 0 && b[2] == 0 => "an IETF protocol address",
                198 when b[1] is 18 or 19 => "a benchmarking address",
                >= 224 => b.All(x => x == 255) ? "the broadcast address" : b[0] < 240 ? "a multicast address" : "a reserved address",
                _ => null,
            };
        }
        if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None)) return "an unspecified address";
        if (address.Equals(IPAddress.Parse("fd00:ec2::254"))) return "the cloud metadata address";
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal) return "a link-local address";
        if (address.IsIPv6Multicast) return "a multicast address";
        if (address.IsIPv6UniqueLocal) return "a private address";
        return null;
    }

    /// <summary>
    /// A handler whose connections are checked, that never follows redirects itself (callers that follow them do it one
    /// hop at a time, so each hop is checked). <paramref name="trusted"/>: host:port authorities reached as configured.
    /// </summary>
    public SocketsHttpHandler CreateHandler(IReadOnlyCollection<string> trusted) => new()
    {
        AllowAutoRedirect = false,
        ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, trusted, ct),
    };

    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, IReadOnlyCollection<string> trusted, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowed = options.Value.AllowPrivateNetworks || trusted.Contains($"{endpoint.Host}:{endpoint.Port}", StringComparer.OrdinalIgnoreCase)
            ? addresses
            : addresses.Where(a => Refuses(a) is null).ToArray();
        if (allowed.Length == 0)
        {
            var first = addresses.FirstOrDefault();
            throw new OutboundRefusedException(first is null ? $"{endpoint.Host} does not resolve"
                : $"refused to connect to {endpoint.Host} ({first}): {Refuses(first)}; Downloads__AllowPrivateNetworks=true allows private networks");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The refusal inside an exception from an HTTP call, if that is what it was.</summary>
    public static OutboundRefusedException? RefusalIn(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is OutboundRefusedException refused) return refused;
        return null;
    }
}
