using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// HTTP Basic against the configured users, or the loopback role for requests made directly from this machine
/// (<see cref="LocalTrust"/>). Anything else is anonymous and gets 401 with a Basic challenge (browsers then ask for a
/// name and password). Credentials are refused over plain http from beyond this machine, and an address that keeps
/// failing is refused for a while (<see cref="FailedSignIns"/>).
/// </summary>
public sealed class DashboardAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<DashboardOptions> dashboard, LocalTrust local, FailedSignIns failures) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "BatchEditor";

    private const string RefusalKey = "batch-editor.sign-in-refused";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return Task.FromResult(SignIn(header["Basic ".Length..].Trim()));
        if (local.IsLocal(Context)) return Task.FromResult(Success("local", dashboard.Value.LoopbackRole));
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    private AuthenticateResult SignIn(string encoded)
    {
        // Behind a proxy the client is who the (known) proxy says it is, and the scheme the one the client used with it.
        var client = (local.Proxied ? Context.Connection.RemoteIpAddress : LocalTrust.SocketAddress(Context)) ?? IPAddress.None;
        if (!Request.IsHttps && !LocalTrust.IsLoopback(client) && !dashboard.Value.AllowCredentialsOverHttp)
            return Refuse(StatusCodes.Status403Forbidden,
                "credentials are accepted over https only (or from this machine): terminate TLS at a proxy (Dashboard__BehindProxy=true) or give Kestrel a certificate");
        if (failures.Locked(client))
            return Refuse(StatusCodes.Status429TooManyRequests, $"too many failed sign-ins from {client}; try again in a minute");
        if (Find(encoded) is { } user) return Success(user.Name, user.Role);
        failures.Failed(client);
        return AuthenticateResult.Fail("wrong user name or password");
    }

    private AuthenticateResult Refuse(int status, string message)
    {
        Context.Items[RefusalKey] = (status, message);
        return AuthenticateResult.Fail(message);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[RefusalKey] is (int status, string message))
        {
            Response.StatusCode = status;
            if (status == StatusCodes.Status429TooManyRequests) Response.Headers.RetryAfter = ((int)FailedSignIns.Window.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Response.WriteAsync(message);
            return;
        }
        Response.Headers.WWWAuthenticate = "Basic realm=\"BatchEditor\", charset=\"UTF-8\"";
        await base.HandleChallengeAsync(properties);
    }

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
