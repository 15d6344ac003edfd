using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>PUT /v1/functions/{name}/bundle</c>: stores a zip under its sha256. The function need not
/// exist yet: `fjord deploy` uploads the bundle first and then PUTs the spec naming the hash,
/// so a spec never points at code that is not stored. When the function exists, its spec is
/// switched to the new bundle at once.
/// </summary>
internal sealed class BundleEndpoints(
    IFunctionStore store,
    FunctionCache cache,
    GatewayOptions options,
    ILogger<BundleEndpoints> logger)
{
    public async Task PutAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } name)
            return;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxBundleBytes;
        var zip = await RequestBody.ReadAsync(context.Request, options.MaxBundleBytes, ct);
        if (zip is null)
        {
            await Problem.WriteAsync(context, ProblemType.TooLarge, $"the bundle is larger than {options.MaxBundleBytes} bytes");
            return;
        }
        if (Bundles.Problem(zip) is { } problem)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidBundle, problem);
            return;
        }

        var hash = Bundles.Hash(zip);
        await store.PutBundleAsync(hash, zip, ct);
        if (await store.GetFunctionAsync(name, ct) is { } state && state.Spec.Bundle != hash)
        {
            await store.PutFunctionAsync(state.Spec with { Bundle = hash }, ct);
            cache.Invalidate(name);
        }
        GatewayLog.BundleStored(logger, hash, zip.Length, name);
        await context.Response.WriteJsonAsync(new BundleAnswer { Bundle = hash }, GatewayJsonContext.Default.BundleAnswer, cancellationToken: ct);
    }
}
