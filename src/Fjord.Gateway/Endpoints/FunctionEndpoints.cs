using System.Text.Json;
using Fjord.Core.Functions;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>/v1/functions</c>: create/update from a spec, list, get, delete, pause, resume. Every change
/// drops the intake cache entry at once, so this gateway never accepts work for a deleted function.
/// </summary>
internal sealed partial class FunctionEndpoints(
    IFunctionStore store,
    FunctionCache cache,
    FunctionDeployer deployer,
    FunctionViews views,
    GatewayOptions options,
    ILogger<FunctionEndpoints> logger)
{
    public async Task PutAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } name)
            return;
        var body = await RequestBody.ReadAsync(context.Request, options.MaxBodyBytes, ct);
        if (body is null)
        {
            await Problem.WriteAsync(context, ProblemType.TooLarge, $"the spec is larger than {options.MaxBodyBytes} bytes");
            return;
        }
        FunctionDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(body, GatewayJsonContext.Default.FunctionDocument);
        }
        catch (JsonException e)
        {
            await InvalidSpecAsync(context, ["the body is not a valid function spec: " + e.Message]);
            return;
        }
        if (doc is null)
        {
            await InvalidSpecAsync(context, ["the body must be a JSON object"]);
            return;
        }

        // A key may hand a function only the secrets its namespace covers, as it may only deploy such functions.
        var grant = Access.Grant(context)!;
        if (doc.Secrets?.FirstOrDefault(s => !grant.Covers(s)) is { } foreign)
        {
            await Problem.WriteAsync(context, ProblemType.Forbidden, $"the key's namespace '{grant.Key.Namespace}' does not cover secret '{foreign}'");
            return;
        }
        var put = await deployer.PutFunctionAsync(name, doc, ct);
        if (put.State is not { } state)
        {
            await InvalidSpecAsync(context, [.. put.Errors]);
            return;
        }
        var created = put.Created;
        context.Response.StatusCode = created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        if (created)
            context.Response.Headers.Location = "/v1/functions/" + name;
        await context.Response.WriteJsonAsync(views.From(state), GatewayJsonContext.Default.FunctionView, cancellationToken: ct);
    }

    public async Task ListAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Read, null) is { } denied)
        {
            await denied;
            return;
        }
        var grant = Access.Grant(context)!;
        var all = await store.ListFunctionsAsync(context.RequestAborted);
        var items = new List<FunctionView>(all.Count);
        foreach (var state in all)
        {
            if (grant.Covers(state.Spec.Name))
                items.Add(views.From(state, MaskEnv(grant)));
        }
        await context.Response.WriteJsonAsync(new FunctionList { Items = items }, GatewayJsonContext.Default.FunctionList, cancellationToken: context.RequestAborted);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Read) is not { } name)
            return;
        await WriteStateAsync(context, name, await store.GetFunctionAsync(name, context.RequestAborted));
    }

    private Task WriteStateAsync(HttpContext context, string name, FunctionState? state) =>
        state is null
            ? Problem.WriteAsync(context, ProblemType.UnknownFunction, $"there is no function '{name}'")
            : context.Response.WriteJsonAsync(views.From(state, MaskEnv(Access.Grant(context))), GatewayJsonContext.Default.FunctionView, cancellationToken: context.RequestAborted);

    /// <summary>Env values are shown only to keys that could change them (deploy, admin).</summary>
    private static bool MaskEnv(KeyGrant? grant) => grant is null || !grant.Allows(Scope.Deploy);

    private static Task InvalidSpecAsync(HttpContext context, List<string> errors) =>
        Problem.WriteAsync(context, new ProblemBody
        {
            Type = ProblemType.InvalidSpec.Uri,
            Title = ProblemType.InvalidSpec.Title,
            Status = ProblemType.InvalidSpec.Status,
            Detail = string.Join("; ", errors),
            Errors = errors,
        });
}
