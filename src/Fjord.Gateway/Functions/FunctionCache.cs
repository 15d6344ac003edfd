using System.Collections.Concurrent;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Functions;

/// <summary>
/// Remembers function lookups for a short while so intake does one store call per request (the
/// enqueue) instead of two. Changes made through this gateway invalidate at once; changes made
/// through another gateway of a many-node setup show after at most <see cref="Ttl"/>. Unknown
/// names are remembered too, so a client posting to a missing function cannot load the store.
/// </summary>
internal sealed class FunctionCache(IFunctionStore functions, TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ValueTask<FunctionState?> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(name, out var entry) && time.GetTimestamp() < entry.ExpiresAt)
            return ValueTask.FromResult(entry.State);
        return LoadAsync(name, cancellationToken);
    }

    public void Invalidate(string name) => _entries.TryRemove(name, out _);

    private async ValueTask<FunctionState?> LoadAsync(string name, CancellationToken cancellationToken)
    {
        // Read the clock before the store: an invalidation racing with this load then at worst
        // leaves an entry that expires one TTL after the load began, never a fresher-looking one.
        var expiresAt = time.GetTimestamp() + (long)(Ttl.TotalSeconds * time.TimestampFrequency);
        var state = await functions.GetFunctionAsync(name, cancellationToken);
        if (_entries.Count >= MaxEntries)
            _entries.Clear();
        _entries[name] = new Entry(state, expiresAt);
        return state;
    }

    private sealed record Entry(FunctionState? State, long ExpiresAt);
}
