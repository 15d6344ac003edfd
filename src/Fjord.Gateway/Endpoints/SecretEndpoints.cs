using Fjord.Core.Secrets;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>/v1/secrets</c> [deploy]: put (raw body, up to 64 KiB), list (names, sizes, dates) and delete.
/// No route ever answers with a value: secrets go one way, into the store and from there only
/// into sandboxes. A key's namespace covers secrets by name exactly as it covers functions.
/// </summary>
internal sealed partial class SecretEndpoints(SecretVault? vault, ILogger<SecretEndpoints> logger)
{
    public async Task PutAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await AuthorizedSecretAsync(context) is not { } name || vault is null)
            return;
        var value = await RequestBody.ReadAsync(context.Request, SecretName.MaxValueBytes, ct);
        if (value is null)
        {
            await Problem.WriteAsync(context, ProblemType.TooLarge, $"a secret is at most {SecretName.MaxValueBytes} bytes");
            return;
        }
        if (value.Length == 0)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, "a secret must not be empty");
            return;
        }
        try
        {
            await vault.PutAsync(name, value, ct);
        }
        catch (SecretUnavailableException e)
        {
            await Problem.WriteAsync(context, ProblemType.SecretsUnavailable, e.Message);
            return;
        }
        finally
        {
            Array.Clear(value);
        }
        LogSecretChanged(logger, name, "stored");
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task ListAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Deploy, null) is { } denied)
        {
            await denied;
            return;
        }
        if (await UnavailableAsync(context))
            return;
        var grant = Access.Grant(context)!;
        var items = (await vault!.ListAsync(context.RequestAborted))
            .Where(s => grant.Covers(s.Name))
            .Select(s => new SecretView { Name = s.Name, Size = s.Size, CreatedAt = s.CreatedAt, UpdatedAt = s.UpdatedAt })
            .ToList();
        await context.Response.WriteJsonAsync(new SecretList { Items = items }, GatewayJsonContext.Default.SecretList, cancellationToken: context.RequestAborted);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (await AuthorizedSecretAsync(context) is not { } name || vault is null)
            return;
        if (!await vault.DeleteAsync(name, context.RequestAborted))
        {
            await Problem.WriteAsync(context, ProblemType.UnknownSecret, $"there is no secret '{name}'");
            return;
        }
        LogSecretChanged(logger, name, "deleted");
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The route's secret name when it is valid and the key may manage it; else the 400/401/403/501 is written.</summary>
    private async ValueTask<string?> AuthorizedSecretAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"] as string;
        if (!SecretName.IsValid(name))
        {
            await Problem.WriteAsync(context, ProblemType.InvalidName, $"a secret name is {SecretName.Rule}");
            return null;
        }
        if (Access.Deny(context, Scope.Deploy, name) is { } denied)
        {
            await denied;
            return null;
        }
        return await UnavailableAsync(context) ? null : name;
    }

    private async ValueTask<bool> UnavailableAsync(HttpContext context)
    {
        if (vault is not null)
            return false;
        await Problem.WriteAsync(context, ProblemType.NotImplemented, "this backend keeps no secrets");
        return true;
    }

    [LoggerMessage(1101, LogLevel.Information, "Secret {Secret} {Change}")]
    private static partial void LogSecretChanged(ILogger logger, string secret, string change);
}
