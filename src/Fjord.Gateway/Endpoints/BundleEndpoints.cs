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
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxBundleBytes;
        var zip = await RequestBody.ReadAsync(context.Request, options.MaxBundleBytes, ct);
        if (zip is null)
        {
            await Problem.WriteAsync(context, ProblemType.TooLarge, $"the bundle is larger than {options.MaxBundleBytes} bytes; {Core.Functions.BundleArchive.LargeHint}");
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
