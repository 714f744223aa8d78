using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// Who may use the dashboard and the HTTP API (section <c>Dashboard</c>). Requests from this machine (loopback) get
/// <see cref="LoopbackRole"/> without credentials; every other request must send one of <see cref="Users"/> with HTTP
/// Basic authentication, and the host refuses to listen beyond loopback when no user is configured.
/// </summary>
public sealed class DashboardOptions
{
    public const string Operator = "Operator", Viewer = "Viewer", None = "None";

    /// <summary>Users, e.g. <c>Dashboard__Users__0__Name=ops</c>, <c>…__Password=…</c>, <c>…__Role=Operator|Viewer</c>.</summary>
    public List<DashboardUser> Users { get; set; } = [];

    /// <summary>
    /// The role of anonymous requests made directly from this machine (see <see cref="LocalTrust"/>): Operator (default:
    /// a local tool), Viewer, or None to require credentials there too.
    /// </summary>
    [AllowedValues(Operator, Viewer, None)]
    public string LoopbackRole { get; set; } = Operator;

    /// <summary>
    /// Requests arrive through a reverse proxy (an ingress, nginx on the same machine): its <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> are read (from <see cref="KnownProxies"/> only), no request is trusted as local, and every
    /// request needs credentials. ASP.NET Core's own <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> has the same effect on trust.
    /// </summary>
    public bool BehindProxy { get; set; }

    /// <summary>With <see cref="BehindProxy"/>: the proxies' addresses whose forwarded headers are believed (default: loopback).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>
    /// Accept credentials over plain http from beyond this machine. Off: a password sent in clear over a network is
    /// refused (terminate TLS at a proxy with <see cref="BehindProxy"/>, or give Kestrel a certificate). Docker Compose
    /// sets it, as its port is published on the host's loopback only.
    /// </summary>
    public bool AllowCredentialsOverHttp { get; set; }
}

public sealed class DashboardUser
{
    [Required] public string Name { get; set; } = "";
    [Required, MinLength(12)] public string Password { get; set; } = "";
    [AllowedValues(DashboardOptions.Operator, DashboardOptions.Viewer)] public string Role { get; set; } = DashboardOptions.Viewer;

    /// <summary>Never the password: options are logged and printed in errors.</summary>
    public override string ToString() => $"{Name} ({Role})";
}
