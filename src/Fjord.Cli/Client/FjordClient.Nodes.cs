namespace Fjord.Cli.Client;

internal sealed partial class FjordClient
{
    public async Task<IReadOnlyList<NodeRow>> GetNodesAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/nodes");
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return [.. body.Array("nodes").Select(NodeRow.From)];
    }

    /// <summary>Live nodes' reported interpreters; null when the key may not read /v1/nodes (a deploy-only key) or the gateway has none (an older one).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>?> NodeRuntimesAsync(CancellationToken ct)
    {
        IReadOnlyList<NodeRow> nodes;
        try
        {
            nodes = await GetNodesAsync(ct);
        }
        catch (FjordApiException e) when (e.Status is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        return nodes.Where(n => n.Alive && n.Runtimes.Count > 0).ToDictionary(n => n.Id, n => n.Runtimes, StringComparer.Ordinal);
    }
}
