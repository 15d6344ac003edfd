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

        var errors = new List<string>();
        var spec = FunctionSpec.Parse(name, doc, errors);
        if (doc.Bundle is { } hash)
        {
            if (!Bundles.IsValidHash(hash))
                errors.Add("bundle must be the sha256 hex of an uploaded bundle");
            else if (await store.GetBundleAsync(hash, ct) is null)
                errors.Add($"bundle {hash} has not been uploaded (PUT /v1/functions/{name}/bundle first)");
        }
        if (spec is null || errors.Count > 0)
        {
            await InvalidSpecAsync(context, errors);
            return;
        }
        if (spec.Bundle is null && await store.GetFunctionAsync(name, ct) is { Spec.Bundle: { } kept })
        {
            // A spec-only update (new env, more concurrency) must not detach the deployed code.
            spec = spec with { Bundle = kept };
        }

        var created = await store.PutFunctionAsync(spec, ct);
        cache.Invalidate(name);
        GatewayLog.FunctionChanged(logger, name, created ? "created" : "updated");
        var state = await store.GetFunctionAsync(name, ct) ?? new FunctionState(spec, false, DateTimeOffset.UtcNow);
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
                items.Add(views.From(state));
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
            : context.Response.WriteJsonAsync(views.From(state), GatewayJsonContext.Default.FunctionView, cancellationToken: context.RequestAborted);

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
