using Fjord.Core.Storage;

namespace Fjord.Gateway.Auth;

/// <summary>
/// The rights of one authenticated key, computed once per cache entry (not per request) and
/// attached to the request as a feature, so endpoints check scope and namespace without allocating.
/// </summary>
internal sealed class KeyGrant(ApiKey key, KeyState? state = null)
{
    private readonly string _prefix = key.Namespace + "-";

    public ApiKey Key { get; } = key;

    public Scope Scope { get; } = Scopes.Parse(key.Scopes);

    /// <summary>The key's bucket and last use on this gateway (shared by every grant of the key).</summary>
    public KeyState State { get; } = state ?? new KeyState(key.Id);

    /// <summary>UTC ticks from which the key is refused; <see cref="long.MaxValue"/> when it never expires.</summary>
    public long ExpiresAtTicks { get; } = key.ExpiresAt?.UtcTicks ?? long.MaxValue;

    public bool AllNamespaces => Key.Namespace == "*";

    public bool Allows(Scope needed) => (Scope & needed) == needed;

    /// <summary>
    /// A function belongs to a namespace by its name: namespace <c>ns</c> covers the function
    /// <c>ns</c> and every <c>ns-…</c>; <c>*</c> covers all.
    /// </summary>
    public bool Covers(string function) =>
        AllNamespaces
        || string.Equals(function, Key.Namespace, StringComparison.Ordinal)
        || function.StartsWith(_prefix, StringComparison.Ordinal);

    /// <summary>
    /// True when every function of namespace <paramref name="ns"/> is covered by this key: the
    /// same namespace, one under it (<c>shop-eu</c> under <c>shop</c>), or anything for <c>*</c>.
    /// </summary>
    public bool CoversNamespace(string ns) => ns == "*" ? AllNamespaces : Covers(ns);
}
