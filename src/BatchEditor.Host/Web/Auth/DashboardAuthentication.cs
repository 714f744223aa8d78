using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// HTTP Basic against the configured users, or the loopback role for requests from this machine. Anything else is
/// anonymous and gets 401 with a Basic challenge (browsers then ask for a name and password).
/// </summary>
public sealed class DashboardAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<DashboardOptions> dashboard) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "BatchEditor";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(Find(header["Basic ".Length..].Trim()) is { } user
                ? Success(user.Name, user.Role)
                : AuthenticateResult.Fail("wrong user name or password"));
        if (IsLoopback(Context.Connection.RemoteIpAddress) && dashboard.Value.LoopbackRole != DashboardOptions.None)
            return Task.FromResult(Success("local", dashboard.Value.LoopbackRole));
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"BatchEditor\", charset=\"UTF-8\"";
        return base.HandleChallengeAsync(properties);
    }

    public static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private DashboardUser? Find(string encoded)
    {
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded)); }
        catch (FormatException) { return null; }
        var colon = decoded.IndexOf(':');
        if (colon < 0) return null;
        var (name, password) = (decoded[..colon], Encoding.UTF8.GetBytes(decoded[(colon + 1)..]));
        // Compared in constant time, and every user is compared, so timing tells nothing about names or passwords.
        DashboardUser? found = null;
        foreach (var user in dashboard.Value.Users)
            if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(user.Password), password) & user.Name == name) found = user;
        return found;
    }

    private AuthenticateResult Success(string name, string role) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], SchemeName)), SchemeName));
}
