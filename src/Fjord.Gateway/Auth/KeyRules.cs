using System.Security.Cryptography;
using Fjord.Core.Functions;
using Fjord.Core.Storage;
using Fjord.Gateway.Json;

namespace Fjord.Gateway.Auth;

/// <summary>
/// What a new key may be. Shape errors (400) name their field; a key asking for more than its
/// creator holds is refused (403): scopes beyond the creator's, a namespace the creator does not
/// cover, a looser rate limit or a later expiry than the creator's own. Left out, the namespace,
/// rate limit and expiry are the creator's.
/// </summary>
internal static class KeyRules
{
    public const int MaxNameLength = 64;
    public const int MaxRate = 1_000_000;

    public sealed record Outcome(ApiKey? Key, List<string> Errors, string? Forbidden);

    public static Outcome Check(KeyRequest request, KeyGrant creator, DateTimeOffset now)
    {
        var errors = new List<string>();
        if (!IsValidName(request.Name))
            errors.Add($"name: required, 1-{MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit");

        var scopes = new List<string>();
        if (request.Scopes is not { Count: > 0 })
            errors.Add("scopes: required, one or more of read, invoke, deploy, admin");
        else
        {
            foreach (var name in request.Scopes)
            {
                var lower = name?.ToLowerInvariant();
                if (lower is not ("read" or "invoke" or "deploy" or "admin"))
                    errors.Add($"scopes: '{name}' is not a scope (read, invoke, deploy, admin)");
                else if (!scopes.Contains(lower))
                    scopes.Add(lower);
            }
        }

        var ns = request.Namespace ?? creator.Key.Namespace;
        if (ns != "*" && !FunctionSpec.IsValidName(ns))
            errors.Add($"namespace: '{ns}' must be '*' or 1-63 lower-case letters, digits or inner dashes (a function name prefix)");

        var limit = creator.Key.RateLimit;
        if (request.RateLimit is { } rate)
        {
            if (rate.PerSecond is not (>= 1 and <= MaxRate))
                errors.Add($"rateLimit.perSecond: required, 1-{MaxRate}");
            if (rate.Burst is { } b && b is < 1 or > MaxRate)
                errors.Add($"rateLimit.burst: 1-{MaxRate} (default: perSecond)");
            if (rate.PerSecond is { } p and >= 1 and <= MaxRate)
                limit = new KeyRateLimit(p, rate.Burst ?? p);
        }

        var expires = request.ExpiresAt ?? creator.Key.ExpiresAt;
        if (request.ExpiresAt is { } at && at <= now)
            errors.Add("expiresAt: must be in the future");

        if (errors.Count > 0)
            return new Outcome(null, errors, null);

        var rights = Scopes.Parse(scopes);
        if ((rights & ~creator.Scope) != 0)
            return Refuse($"scopes: a key cannot grant more than it has ('{string.Join(',', creator.Key.Scopes)}')");
        if (!creator.CoversNamespace(ns))
            return Refuse($"namespace: a key of namespace '{creator.Key.Namespace}' cannot create one for '{ns}'");
        if (creator.Key.RateLimit is { } own && (limit!.PerSecond > own.PerSecond || limit.Burst > own.Burst))
            return Refuse($"rateLimit: a key limited to {own.PerSecond}/s (burst {own.Burst}) cannot create a looser one");
        if (creator.Key.ExpiresAt is { } ownEnd && expires > ownEnd)
            return Refuse($"expiresAt: a key expiring at {ownEnd:O} cannot create one that outlives it");

        var key = new ApiKey(NewId(), ns, scopes, now)
        {
            Name = request.Name,
            RateLimit = limit,
            ExpiresAt = expires,
        };
        return new Outcome(key, errors, null);

        Outcome Refuse(string reason) => new(null, [], reason);
    }

    /// <summary>Key ids: <c>k</c> and 16 hex digits. Not secret (they appear in lists, logs and metrics).</summary>
    public static string NewId() => "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Route ids: what <see cref="NewId"/> makes, and the bootstrap key's <c>admin</c>.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');

    private static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
