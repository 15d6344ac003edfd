using Fjord.Gateway.Auth;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>Delete, pause and resume. Pause stops dispatch only: intake keeps accepting (CONTRACT §1).</summary>
internal sealed partial class FunctionEndpoints
{
    public async Task DeleteAsync(HttpContext context)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } name)
            return;
        var deleted = await store.DeleteFunctionAsync(name, context.RequestAborted);
        cache.Invalidate(name);
        if (!deleted)
        {
            await Problem.WriteAsync(context, ProblemType.UnknownFunction, $"there is no function '{name}'");
            return;
        }
        await deployer.FunctionDeletedAsync(name, context.RequestAborted);
        GatewayLog.FunctionChanged(logger, name, "deleted");
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public Task PauseAsync(HttpContext context) => SetPausedAsync(context, paused: true);

    public Task ResumeAsync(HttpContext context) => SetPausedAsync(context, paused: false);

    private async Task SetPausedAsync(HttpContext context, bool paused)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } name)
            return;
        var ct = context.RequestAborted;
        var found = await SetPausedAsync(name, paused, ct);
        await WriteStateAsync(context, name, found ? await store.GetFunctionAsync(name, ct) : null);
    }

    /// <summary>Pauses or resumes after the caller checked the deploy scope (the API above, the dashboard's function page).</summary>
    internal async Task<bool> SetPausedAsync(string name, bool paused, CancellationToken ct)
    {
        var found = await store.SetPausedAsync(name, paused, ct);
        cache.Invalidate(name);
        if (found)
            GatewayLog.FunctionChanged(logger, name, paused ? "paused" : "resumed");
        return found;
    }
}
