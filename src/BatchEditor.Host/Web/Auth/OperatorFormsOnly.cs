using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// Dashboard forms change items, providers and schedules: every page handler other than a GET needs the Operator role.
/// Checked once for every page here, as the API's actions are by <see cref="WebRegistration.OperatePolicy"/>, rather than
/// in each handler.
/// </summary>
public sealed class OperatorFormsOnly : IAsyncPageFilter
{
    public static bool CanOperate(ClaimsPrincipal user) => user.IsInRole(DashboardOptions.Operator);

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var method = context.HttpContext.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !CanOperate(context.HttpContext.User))
        {
            context.Result = new ForbidResult();
            return;
        }
        await next();
    }
}
