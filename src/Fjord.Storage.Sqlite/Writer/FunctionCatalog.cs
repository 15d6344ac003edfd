namespace Fjord.Storage.Sqlite.Writer;

/// <summary>What the writer needs to know of a function on the hot path.</summary>
internal sealed record FunctionInfo(int MaxQueueDepth, TimeSpan? MaxAge, bool Paused);

/// <summary>
/// The writer's copy of the functions table (depth limit, maxAge, paused), seeded at open and
/// changed only after the commit that changed the table. Jobs of a function the store does not
/// know are accepted without limits: intake checks existence, and a function deleted while
/// jobs wait must not make them unfetchable.
/// </summary>
internal sealed class FunctionCatalog
{
    private readonly Dictionary<string, FunctionInfo> _functions = new(StringComparer.Ordinal);

    public FunctionInfo? Find(string function) => _functions.GetValueOrDefault(function);

    public void Set(string function, FunctionInfo info) => _functions[function] = info;

    public void Remove(string function) => _functions.Remove(function);

    public void SetPaused(string function, bool paused)
    {
        if (_functions.TryGetValue(function, out var info))
            _functions[function] = info with { Paused = paused };
    }
}
