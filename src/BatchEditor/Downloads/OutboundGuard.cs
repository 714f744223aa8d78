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
/// <c>BaseUrl</c> (host and port) is trusted as configured. Behind an HTTP proxy (<c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c>,
/// <c>ALL_PROXY</c>, <c>NO_PROXY</c>, as .NET reads them) the connection goes to the proxy, which is trusted as configured
/// wherever it is; the target is checked instead, before the request is handed to the proxy, by resolving its name here.
/// </summary>
public sealed class OutboundGuard(IOptions<DownloadOptions> options)
{
    /// <summary>Why the worker may not connect to <paramref name="address"/>; null when it may.</summary>
    public static string? Refuses(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Tunnelled(address) is { } tunnel)
            return tunnel.Embedded is { } v4 ? Refuses(v4) : tunnel.Refusal;
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
    /// IPv6 addresses that carry an IPv4 address (NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::/96) are judged
    /// by it; the local NAT64 prefix 64:ff9b:1::/48 and Teredo 2001::/32 cannot be judged and are refused.
    /// </summary>
    private static (IPAddress? Embedded, string? Refusal)? Tunnelled(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            if (b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0) return (new IPAddress(b.AsSpan(12, 4)), null); // 64:ff9b::a.b.c.d
            return (null, "a local NAT64 address");
        }
        if (b[0] == 0x20 && b[1] == 0x02) return (new IPAddress(b.AsSpan(2, 4)), null);
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) return (null, "a Teredo tunnel address");
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1))
            return (new IPAddress(b.AsSpan(12, 4)), null); // ::a.b.c.d (not :: or ::1, judged below)
        return null;
    }

    /// <summary>
    /// A handler whose connections are checked, that never follows redirects itself (callers that follow them do it one
    /// hop at a time, so each hop is checked). <paramref name="trusted"/>: host:port authorities reached as configured.
    /// </summary>
    public HttpMessageHandler CreateHandler(IReadOnlyCollection<string> trusted)
    {
        var proxy = HttpClient.DefaultProxy; // from HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = true,
            Proxy = proxy,
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, trusted, ProxyOf(proxy, context.InitialRequestMessage.RequestUri), ct),
        };
        return new ProxiedTargetCheck(this, proxy, trusted) { InnerHandler = sockets };
    }

    /// <summary>The proxy a request to <paramref name="target"/> goes through; null when it goes directly.</summary>
    private static Uri? ProxyOf(IWebProxy proxy, Uri? target) =>
        target is null || proxy.IsBypassed(target) ? null : proxy.GetProxy(target) is { } via && via != target ? via : null;

    private bool Trusted(string host, int port, IReadOnlyCollection<string> trusted) =>
        options.Value.AllowPrivateNetworks || trusted.Contains($"{host}:{port}", StringComparer.OrdinalIgnoreCase);

    /// <summary>Refuses <paramref name="host"/> when none of its addresses may be reached; returns those that may.</summary>
    private async Task<IPAddress[]> AllowedAddressesAsync(string host, int port, IReadOnlyCollection<string> trusted, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = Trusted(host, port, trusted) ? addresses : addresses.Where(a => Refuses(a) is null).ToArray();
        if (allowed.Length > 0) return allowed;
        var first = addresses.FirstOrDefault();
        throw new OutboundRefusedException(first is null ? $"{host} does not resolve"
            : $"refused to connect to {host} ({first}): {Refuses(first)}; Downloads__AllowPrivateNetworks=true allows private networks");
    }

    /// <summary>
    /// Checks the target of a request that goes through a proxy, before the proxy is asked for it. Every address the name
    /// resolves to here must be allowed (the proxy resolves it again, and may get another of them).
    /// </summary>
    private sealed class ProxiedTargetCheck(OutboundGuard guard, IWebProxy proxy, IReadOnlyCollection<string> trusted) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.RequestUri is { } target && ProxyOf(proxy, target) is not null && !guard.Trusted(target.IdnHost, target.Port, trusted))
            {
                var addresses = IPAddress.TryParse(target.IdnHost.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(target.IdnHost, ct);
                if (addresses.FirstOrDefault(a => Refuses(a) is not null) is { } refused)
                    throw new HttpRequestException(HttpRequestError.ConnectionError, $"the proxy was not asked for {target.IdnHost}",
                        new OutboundRefusedException($"refused to fetch {target.IdnHost} ({refused}) through the proxy: {Refuses(refused)}; " +
                                                     "Downloads__AllowPrivateNetworks=true allows private networks"));
                if (addresses.Length == 0) throw new HttpRequestException(HttpRequestError.NameResolutionError, $"{target.IdnHost} does not resolve");
            }
            return await base.SendAsync(request, ct);
        }
    }

    /// <param name="via">The proxy of this request: connecting to it is connecting as configured.</param>
    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, IReadOnlyCollection<string> trusted, Uri? via, CancellationToken ct)
    {
        var toProxy = via is not null && string.Equals(via.IdnHost, endpoint.Host, StringComparison.OrdinalIgnoreCase) && via.Port == endpoint.Port;
        var allowed = toProxy
            ? IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct)
            : await AllowedAddressesAsync(endpoint.Host, endpoint.Port, trusted, ct);
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
