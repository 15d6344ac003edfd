using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// Route values, validated before they reach the store. A name that is not a valid function
/// name (upper case, dots, an encoded slash) is always 400, whichever route it arrives on.
/// </summary>
internal static class Route
{
    public static bool TryFunction(HttpContext context, out string name)
    {
        var value = context.Request.RouteValues["name"] as string;
        name = value ?? "";
        return FunctionSpec.IsValidName(value);
    }

    /// <summary>
    /// The prologue of every route on one function: resolves <c>{name}</c> and checks that the
    /// caller's key may use it with <paramref name="scope"/>. When it may not, the 400, 401 or 403
    /// is already written and the result is null.
    /// </summary>
    public static async ValueTask<string?> AuthorizedFunctionAsync(HttpContext context, Scope scope)
    {
        if (!TryFunction(context, out var name))
        {
            await InvalidFunction(context);
            return null;
        }
        if (Access.Deny(context, scope, name) is { } denied)
        {
            await denied;
            return null;
        }
        return name;
    }

    public static Task InvalidFunction(HttpContext context) =>
        Problem.WriteAsync(context, ProblemType.InvalidName, "a function name is 1-63 lower-case letters, digits or inner dashes");

    public static bool TryJob(HttpContext context, out string id)
    {
        var value = context.Request.RouteValues["id"] as string;
        id = value ?? "";
        return JobId.IsValid(value);
    }

    public static Task InvalidJob(HttpContext context) =>
        Problem.WriteAsync(context, ProblemType.InvalidName, "a job id is 32 lower-case hex digits");
}
