using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// Whether a request comes from this machine directly, and so may have <see cref="DashboardOptions.LoopbackRole"/>
/// without credentials. Only the socket decides, never a header: the address the connection came from (recorded when it
/// was accepted, before anything could rewrite it), with a loopback name in its Host header (a page elsewhere can reach
/// 127.0.0.1 under its own name by DNS rebinding), and no sign of having come through a proxy. Behind a proxy
/// (<see cref="DashboardOptions.BehindProxy"/>, or ASP.NET Core's forwarded headers switched on) nothing is local: every
/// request needs credentials.
/// </summary>
public sealed class LocalTrust(IOptions<DashboardOptions> options, IConfiguration configuration)
{
    private const string SocketKey = "batch-editor.socket-address";

    /// <summary>Headers a proxy adds: a request that carries one came through something, whatever its socket says.</summary>
    private static readonly string[] ProxyHeaders = ["Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Via"];

    /// <summary>True when requests reach this host through a proxy, so none of them is trusted as local.</summary>
    public bool Proxied { get; } = options.Value.BehindProxy || configuration.GetValue<bool>("FORWARDEDHEADERS_ENABLED");

    /// <summary>Records each connection's own remote address as Kestrel accepts it (<see cref="IsLocal"/> reads it).</summary>
    public static void RecordSocketAddress(ListenOptions listen) => listen.Use(next => connection =>
    {
        connection.Items[SocketKey] = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        return next(connection);
    });

    /// <summary>The address the request's connection came from, as accepted.</summary>
    public static IPAddress? SocketAddress(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(SocketKey, out var address) == true
            ? address as IPAddress
            : context.Connection.RemoteIpAddress;

    public bool IsLocal(HttpContext context) =>
        !Proxied
        && options.Value.LoopbackRole != DashboardOptions.None
        && IsLoopback(SocketAddress(context))
        && IsLoopbackName(context.Request.Host.Host)
        && !ProxyHeaders.Any(context.Request.Headers.ContainsKey);

    public static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>localhost, or a loopback address written as such (127.0.0.1, [::1]).</summary>
    public static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
}
