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
    /// The role of anonymous requests from loopback: Operator (default: a local tool), Viewer, or None to require
    /// credentials there too (set None behind a reverse proxy on the same machine, whose requests all look local).
    /// </summary>
    [AllowedValues(Operator, Viewer, None)]
    public string LoopbackRole { get; set; } = Operator;
}

public sealed class DashboardUser
{
    [Required] public string Name { get; set; } = "";
    [Required, MinLength(12)] public string Password { get; set; } = "";
    [AllowedValues(DashboardOptions.Operator, DashboardOptions.Viewer)] public string Role { get; set; } = DashboardOptions.Viewer;

    /// <summary>Never the password: options are logged and printed in errors.</summary>
    public override string ToString() => $"{Name} ({Role})";
}
