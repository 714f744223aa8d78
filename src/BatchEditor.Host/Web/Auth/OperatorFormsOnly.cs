using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// Dashboard forms change items, providers and schedules: every page request other than a GET needs the Operator role.
/// Checked once for every page here, as the API's actions are by <see cref="WebRegistration.OperatePolicy"/>, rather than
/// in each handler. An authorization filter ordered before antiforgery validation (order 1000), so a viewer is told
/// 403 Forbidden rather than "bad token" (viewers are never given a form, so they never hold a token).
/// </summary>
public sealed class OperatorFormsOnly : IAuthorizationFilter, IOrderedFilter
{
    public int Order => 0;

    public static bool CanOperate(ClaimsPrincipal user) => user.IsInRole(DashboardOptions.Operator);

    public void OnAuthorization(AuthorizationFilterContext context)
    {
        var method = context.HttpContext.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !CanOperate(context.HttpContext.User))
            context.Result = new ForbidResult();
    }
}
