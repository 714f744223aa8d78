namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// Refuses state-changing requests that a browser sent on behalf of another site (cross-site request forgery): a page
/// elsewhere must not be able to make an operator's browser, logged in or on loopback, retry or cancel a batch. The
/// browser says where a request comes from (<c>Sec-Fetch-Site</c>, <c>Origin</c>); scripts such as curl send neither and
/// are not affected. Dashboard forms also carry antiforgery tokens; this covers the HTTP API, which scripts call without one.
/// </summary>
public sealed class CrossOriginGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && IsCrossSite(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("cross-site request refused");
            return;
        }
        await next(context);
    }

    private static bool IsCrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0) return site is not ("same-origin" or "none");
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && (!Uri.TryCreate(origin, UriKind.Absolute, out var o) || !string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}
