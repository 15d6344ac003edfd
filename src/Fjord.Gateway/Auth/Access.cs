using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Auth;

/// <summary>
/// Per-endpoint authorisation. Usage: <c>if (Access.Deny(ctx, Scope.Invoke, name) is { } denied) { await denied; return; }</c>
/// — nothing is allocated when access is granted, which is the hot path.
/// </summary>
internal static class Access
{
    public static KeyGrant? Grant(HttpContext context) => context.Features.Get<KeyGrant>();

    /// <summary>Null when the request's key has <paramref name="needed"/> and covers <paramref name="function"/>; else the task writing 403.</summary>
    public static Task? Deny(HttpContext context, Scope needed, string? function)
    {
        var grant = Grant(context);
        if (grant is null)
            return Problem.WriteAsync(context, ProblemType.Unauthorized, "a valid API key is required");
        if (!grant.Allows(needed))
            return Problem.WriteAsync(context, ProblemType.Forbidden, $"the key lacks the '{Scopes.Name(needed)}' scope");
        if (function is not null && !grant.Covers(function))
            return Problem.WriteAsync(context, ProblemType.Forbidden, $"the key's namespace '{grant.Key.Namespace}' does not cover '{function}'");
        return null;
    }

    /// <summary>For actions that are not about one function (metrics, listing every job): the key must cover every namespace.</summary>
    public static Task? DenyUnlessAllNamespaces(HttpContext context, Scope needed)
    {
        if (Deny(context, needed, null) is { } denied)
            return denied;
        return Grant(context)!.AllNamespaces
            ? null
            : Problem.WriteAsync(context, ProblemType.Forbidden, "this needs a key for every namespace ('*')");
    }
}
