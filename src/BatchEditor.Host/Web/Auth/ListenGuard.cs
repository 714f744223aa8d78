using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// The dashboard can move money (retry, resubmit): listening beyond loopback without any configured user would hand that
/// to the network, and behind a proxy no request is trusted as local, so no one could use it. Checked on the addresses
/// the server actually bound, whatever configured them (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>Kestrel</c> settings).
/// Even before this check runs, remote anonymous requests get 401.
/// </summary>
public static class ListenGuard
{
    public static string? Problem(IServer server, IOptions<DashboardOptions> options, LocalTrust local)
    {
        if (options.Value.Users.Count > 0) return null;
        if (local.Proxied)
            return "the dashboard is behind a proxy (Dashboard__BehindProxy or ASPNETCORE_FORWARDEDHEADERS_ENABLED), so no request is trusted as local, " +
                   "and no credentials are configured; set Dashboard__Users__0__Name, Dashboard__Users__0__Password and Dashboard__Users__0__Role";
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var open = addresses.Where(a => !IsLoopbackAddress(a)).ToList();
        return open.Count == 0 ? null
            : $"the dashboard would listen beyond loopback ({string.Join(", ", open)}) with no credentials configured; " +
              "set Dashboard__Users__0__Name, Dashboard__Users__0__Password and Dashboard__Users__0__Role, or listen on 127.0.0.1";
    }

    private static bool IsLoopbackAddress(string url)
    {
        var host = BindingAddress.Parse(url).Host;
        if (host is "localhost") return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
