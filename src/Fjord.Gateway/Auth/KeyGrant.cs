using Fjord.Core.Storage;

namespace Fjord.Gateway.Auth;

/// <summary>
/// The rights of one authenticated key, computed once per cache entry (not per request) and
/// attached to the request as a feature, so endpoints check scope and namespace without allocating.
/// </summary>
internal sealed class KeyGrant(ApiKey key)
{
    private readonly string _prefix = key.Namespace + "-";

    public ApiKey Key { get; } = key;

    public Scope Scope { get; } = Scopes.Parse(key.Scopes);

    public bool AllNamespaces => Key.Namespace == "*";

    public bool Allows(Scope needed) => (Scope & needed) == needed;

    /// <summary>Namespace <c>ns</c> covers the function <c>ns</c> and every <c>ns-…</c>; <c>*</c> covers all.</summary>
    public bool Covers(string function) =>
        AllNamespaces
        || string.Equals(function, Key.Namespace, StringComparison.Ordinal)
        || function.StartsWith(_prefix, StringComparison.Ordinal);
}
