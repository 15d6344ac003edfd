using System.Text.Json;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>/v1/keys</c>: create, list, get, revoke, and <c>POST /v1/keys:rotate</c> (a new secret for
/// the calling key, the old one revoked in the same write). Only <c>admin</c> keys manage keys,
/// and only keys of namespaces they cover: others are 404, as if they did not exist. The secret
/// is in the 201 only; the store keeps its SHA-256.
/// </summary>
internal sealed class KeyEndpoints(IKeyStore store, KeyCache cache, TimeProvider time, ILogger<KeyEndpoints> logger)
{
    private const long MaxBodyBytes = 64 * 1024;

    public async Task CreateAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return;
        }
        var creator = Access.Grant(context)!;
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, ct);
        if (body is null)
        {
            await Problem.WriteAsync(context, ProblemType.TooLarge, $"a key request is at most {MaxBodyBytes} bytes");
            return;
        }
        KeyRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, GatewayJsonContext.Default.KeyRequest);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path[2..] : "body";
            await InvalidAsync(context, [$"{field}: {FirstSentence(e.Message)}"]);
            return;
        }
        if (request is null)
        {
            await InvalidAsync(context, ["body: must be a JSON object"]);
            return;
        }

        var (outcome, secret) = await AddAsync(request, creator, ct);
        if (outcome.Forbidden is { } reason)
        {
            await Problem.WriteAsync(context, ProblemType.Forbidden, reason);
            return;
        }
        if (outcome.Key is not { } key)
        {
            await InvalidAsync(context, outcome.Errors);
            return;
        }
        await WriteCreatedAsync(context, key, secret!);
    }

    /// <summary>
    /// The rules and the write, shared by the API and the dashboard (after their admin check): the
    /// new key and its secret, or the outcome's errors or refusal with no secret.
    /// </summary>
    public async Task<(KeyRules.Outcome Outcome, string? Secret)> AddAsync(KeyRequest request, KeyGrant creator, CancellationToken ct)
    {
        var outcome = KeyRules.Check(request, creator, time.GetUtcNow());
        if (outcome.Forbidden is not null || outcome.Key is not { } key)
            return (outcome, null);
        var secret = ApiKeySecrets.Generate();
        await store.AddKeyAsync(key, ApiKeySecrets.Hash(secret), ct);
        GatewayLog.KeyChanged(logger, key.Id, "created", creator.Key.Id);
        return (outcome, secret);
    }

    /// <summary>The keys <paramref name="grant"/>'s namespace covers (the API's list and the dashboard's).</summary>
    public async Task<List<ApiKey>> VisibleKeysAsync(KeyGrant grant, CancellationToken ct) =>
        [.. (await store.ListKeysAsync(ct)).Where(k => grant.CoversNamespace(k.Namespace))];

    /// <summary>Revokes a key <paramref name="grant"/> covers; false when there is no such live key.</summary>
    public async Task<bool> RevokeAsync(string id, KeyGrant grant, CancellationToken ct)
    {
        var key = await store.GetKeyAsync(id, ct);
        if (key is null || !grant.CoversNamespace(key.Namespace))
            return false;
        var revoked = await store.RevokeKeyAsync(key.Id, ct);
        cache.Forget(key.Id);
        if (revoked)
            GatewayLog.KeyChanged(logger, key.Id, "revoked", grant.Key.Id);
        return revoked;
    }

    public async Task ListAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return;
        }
        var items = (await VisibleKeysAsync(Access.Grant(context)!, context.RequestAborted)).Select(k => View(k, null)).ToList();
        await context.Response.WriteJsonAsync(new KeyList { Items = items }, GatewayJsonContext.Default.KeyList, cancellationToken: context.RequestAborted);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (await VisibleKeyAsync(context) is { } key)
            await context.Response.WriteJsonAsync(View(key, null), GatewayJsonContext.Default.KeyView, cancellationToken: context.RequestAborted);
    }

    /// <summary>Revokes at once here, and within <see cref="KeyCache.PositiveTtl"/> on every other gateway of the cluster.</summary>
    public async Task DeleteAsync(HttpContext context)
    {
        if (await VisibleKeyAsync(context) is not { } key)
            return;
        if (!await RevokeAsync(key.Id, Access.Grant(context)!, context.RequestAborted))
        {
            await NotFoundAsync(context, key.Id);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// A new secret for the calling key, with the same name, scopes, namespace, limit and expiry
    /// under a new id; the calling key is revoked in the same write. `fjord admin-key rotate` uses it.
    /// </summary>
    public async Task RotateAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return;
        }
        var old = Access.Grant(context)!.Key;
        var key = old with { Id = KeyRules.NewId(), CreatedAt = time.GetUtcNow(), LastUsedAt = null };
        var secret = ApiKeySecrets.Generate();
        var replaced = await store.ReplaceKeyAsync(old.Id, key, ApiKeySecrets.Hash(secret), context.RequestAborted);
        cache.Forget(old.Id);
        if (!replaced)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problem.WriteAsync(context, ProblemType.Unauthorized, "the API key was revoked meanwhile");
            return;
        }
        GatewayLog.KeyChanged(logger, old.Id, "rotated to " + key.Id, old.Id);
        await WriteCreatedAsync(context, key, secret);
    }

    /// <summary>The key named by <c>{id}</c>, when the caller is an admin whose namespace covers it; else the answer is written and the result is null.</summary>
    private async Task<ApiKey?> VisibleKeyAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return null;
        }
        var id = context.Request.RouteValues["id"] as string;
        if (!KeyRules.IsValidId(id))
        {
            await Problem.WriteAsync(context, ProblemType.InvalidName, "a key id is 1-64 lower-case letters, digits, '-' or '_'");
            return null;
        }
        var key = await store.GetKeyAsync(id!, context.RequestAborted);
        if (key is null || !Access.Grant(context)!.CoversNamespace(key.Namespace))
        {
            await NotFoundAsync(context, id!);
            return null;
        }
        return key;
    }

    private static Task NotFoundAsync(HttpContext context, string id) =>
        Problem.WriteAsync(context, ProblemType.NotFound, $"there is no key '{id}'");

    private static Task WriteCreatedAsync(HttpContext context, ApiKey key, string secret)
    {
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/v1/keys/" + key.Id;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteJsonAsync(View(key, secret), GatewayJsonContext.Default.KeyView, cancellationToken: context.RequestAborted);
    }

    private static KeyView View(ApiKey key, string? secret) => new()
    {
        Id = key.Id,
        Name = key.Name,
        Key = secret,
        Scopes = key.Scopes,
        Namespace = key.Namespace,
        RateLimit = key.RateLimit is { } r ? new RateLimitView { PerSecond = r.PerSecond, Burst = r.Burst } : null,
        CreatedAt = key.CreatedAt,
        ExpiresAt = key.ExpiresAt,
        LastUsedAt = key.LastUsedAt,
    };

    private static Task InvalidAsync(HttpContext context, List<string> errors) =>
        Problem.WriteAsync(context, new ProblemBody
        {
            Type = ProblemType.InvalidKey.Uri,
            Title = ProblemType.InvalidKey.Title,
            Status = ProblemType.InvalidKey.Status,
            Detail = string.Join("; ", errors),
            Errors = errors,
        });

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }
}
