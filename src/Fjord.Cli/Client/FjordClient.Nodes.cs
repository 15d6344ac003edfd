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
}
