using Fjord.Gateway.Auth;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>PUT /v1/functions/{name}/bundle</c>: stores a zip under its sha256 (see
/// <see cref="FunctionDeployer.PutBundleAsync"/>). `fjord deploy` uploads the bundle first and
/// then PUTs the spec naming the hash.
/// </summary>
internal sealed class BundleEndpoints(FunctionDeployer deployer, GatewayOptions options)
{
    public async Task PutAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } name)
            return;
        // Kestrel's own cut (a bare 413) sits a little above the bundle limit, so the check below
        // answers first, with the reason and where such code belongs.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxBundleBytes + 1024 * 1024;
        var zip = await RequestBody.ReadAsync(context.Request, options.MaxBundleBytes, ct);
        if (zip is null)
        {
            // A 400 like a bundle that unpacks too large: both are the deploy's content over a bundle
            // limit (a dependency set, usually), which an image carries instead, not a transport error.
            context.Response.Headers.Connection = "close";
            await Problem.WriteAsync(context, ProblemType.InvalidBundle, $"the bundle is larger than {Core.Functions.Quantity.FormatBytes(options.MaxBundleBytes)} zipped; {Core.Functions.BundleArchive.LargeHint}");
            return;
        }
        var put = await deployer.PutBundleAsync(name, zip, ct);
        if (put.Hash is not { } hash)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidBundle, put.Problem ?? "the bundle was refused");
            return;
        }
        await context.Response.WriteJsonAsync(new BundleAnswer { Bundle = hash }, GatewayJsonContext.Default.BundleAnswer, cancellationToken: ct);
    }
}
