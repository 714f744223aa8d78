using Microsoft.AspNetCore.HttpOverrides;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// Which Host headers the dashboard answers (ASP.NET Core's host filtering, setting <c>AllowedHosts</c>). Unless
/// configured: this machine's loopback names and the hosts it listens on, so a page elsewhere that points its own name
/// at 127.0.0.1 (DNS rebinding) is answered 400, not with the dashboard. Listening on every address (0.0.0.0, a
/// container), the names people use cannot be known: any is answered, credentials are required (only a request made to
/// a loopback name from this machine is local), and <c>AllowedHosts</c> should list them.
/// </summary>
public static class AllowedHosts
{
    public static void Configure(ConfigurationManager configuration, IReadOnlyList<string> urls)
    {
        if (!string.IsNullOrWhiteSpace(configuration["AllowedHosts"])) return;
        var hosts = urls.Select(u => BindingAddress.Parse(u).Host).ToList();
        configuration["AllowedHosts"] = hosts.Any(h => h is "0.0.0.0" or "[::]" or "::" or "*" or "+")
            ? "*"
            : string.Join(';', new[] { "localhost", "127.0.0.1", "[::1]" }.Concat(hosts).Distinct(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Behind a proxy: its X-Forwarded-For and X-Forwarded-Proto, believed from the configured proxies only.</summary>
    public static void UseProxy(IServiceCollection services, DashboardOptions dashboard) =>
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in dashboard.KnownProxies) o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        });
}
