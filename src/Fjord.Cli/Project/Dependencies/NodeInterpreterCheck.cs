namespace Fjord.Cli.Project.Dependencies;

/// <summary>
/// Refuses a deploy whose dependencies this machine would build for another interpreter than the
/// live nodes run (<c>runtimes</c> of <c>GET /v1/nodes</c>): a wheel or a native module built for
/// python 3.12 does not load on a node's 3.11. Nodes that report nothing for the runtime (gateways,
/// older nodes, no interpreter) do not block. The nodes are read once per deploy, when the first
/// function with dependencies needs them.
/// </summary>
internal sealed class NodeInterpreterCheck(Func<CancellationToken, Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>?>> readNodes, TextWriter warnings)
{
    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? _nodes;
    private bool _read;

    /// <summary>Throws (exit code <see cref="ExitCodes.Dependencies"/>) when a live node reports another <paramref name="runtime"/> than <paramref name="local"/>.</summary>
    public async Task CheckAsync(string function, string runtime, string local, string variable, CancellationToken ct)
    {
        if (!_read)
        {
            _nodes = await readNodes(ct);
            _read = true;
            if (_nodes is null)
                await warnings.WriteLineAsync("warning: this key may not read /v1/nodes (no read scope): the nodes' interpreter versions are not checked");
        }
        if (_nodes is null)
            return;
        var others = _nodes
            .Where(n => n.Value.TryGetValue(runtime, out var version) && !InterpreterVersion.Matches(version, local))
            .GroupBy(n => n.Value[runtime], n => n.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{runtime} {g.Key} on {Nodes(g)}")
            .ToList();
        if (others.Count == 0)
            return;
        throw new CliException(ExitCodes.Dependencies,
            $"function '{function}': this machine's {runtime} is {local} but the nodes run {string.Join(", ", others)}: its dependencies would be built for the wrong interpreter; deploy from a machine with the nodes' {runtime}, or point {variable} at one");
    }

    private static string Nodes(IEnumerable<string> ids)
    {
        var sorted = ids.Order(StringComparer.Ordinal).ToList();
        return (sorted.Count == 1 ? "node " : "nodes ") + string.Join(", ", sorted);
    }
}
