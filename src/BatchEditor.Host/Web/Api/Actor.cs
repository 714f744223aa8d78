using System.Security.Claims;

namespace BatchEditor.Host.Web.Api;

/// <summary>Who did it, for the item's history: the signed-in user (or "local" on loopback), marked as coming from the web.</summary>
public static class Actor
{
    public static string Of(ClaimsPrincipal user) => $"web:{user.Identity?.Name ?? "anonymous"}";
}
