using Fjord.Core.Functions;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Fjord.Gateway.Schedules;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>GET /v1/schedules</c> [read] and <c>POST /v1/schedules/{function}/{schedule}/trigger|pause|resume</c>
/// [deploy] (CONTRACT §6). A key sees and steers only the schedules of functions its namespace covers.
/// </summary>
internal sealed class ScheduleEndpoints(ScheduleBook book)
{
    public async Task ListAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Read, null) is { } denied)
        {
            await denied;
            return;
        }
        var grant = Access.Grant(context)!;
        var function = context.Request.Query["function"].ToString();
        var views = await book.ListAsync(name => grant.Covers(name) && (function.Length == 0 || name == function), context.RequestAborted);
        await context.Response.WriteJsonAsync(new ScheduleList { Schedules = views }, GatewayJsonContext.Default.ScheduleList, cancellationToken: context.RequestAborted);
    }

    public async Task TriggerAsync(HttpContext context)
    {
        if (await AuthorizedAsync(context) is not var (function, name))
            return;
        var (result, submit) = await book.TriggerAsync(function, name, context.RequestAborted);
        switch (result)
        {
            case ScheduleCommandResult.UnknownSchedule:
                await UnknownAsync(context, function, name);
                return;
            case ScheduleCommandResult.Refused:
                await Problem.WriteAsync(context, submit.Transient ? ProblemType.StoreUnavailable : ProblemType.InvalidRequest, submit.Refusal ?? "intake refused the run");
                return;
        }
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers.Location = "/v1/jobs/" + submit.JobId;
        await context.Response.WriteJsonAsync(new AcceptedJob { Id = submit.JobId!, Status = "queued", Function = function }, GatewayJsonContext.Default.AcceptedJob, cancellationToken: context.RequestAborted);
    }

    public Task PauseAsync(HttpContext context) => SetPausedAsync(context, paused: true);

    public Task ResumeAsync(HttpContext context) => SetPausedAsync(context, paused: false);

    private async Task SetPausedAsync(HttpContext context, bool paused)
    {
        if (await AuthorizedAsync(context) is not var (function, name))
            return;
        if (await book.SetPausedAsync(function, name, paused, context.RequestAborted) is not { } view)
        {
            await UnknownAsync(context, function, name);
            return;
        }
        await context.Response.WriteJsonAsync(view, GatewayJsonContext.Default.ScheduleView, cancellationToken: context.RequestAborted);
    }

    /// <summary>Both route values valid names and the key allowed to deploy the function; else the answer is written and null returned.</summary>
    private static async Task<(string Function, string Name)?> AuthorizedAsync(HttpContext context)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } function)
            return null;
        var name = context.Request.RouteValues["schedule"] as string;
        if (!FunctionSpec.IsValidName(name))
        {
            await Problem.WriteAsync(context, ProblemType.InvalidName, "a schedule name is 1-63 lower-case letters, digits or inner dashes");
            return null;
        }
        return (function, name!);
    }

    private static Task UnknownAsync(HttpContext context, string function, string name) =>
        Problem.WriteAsync(context, ProblemType.NotFound, $"function '{function}' has no schedule '{name}'");
}
