using Fjord.Core.Nodes;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary><c>GET /v1/nodes</c> [read]: every node's latest heartbeat. A key limited to a namespace sees only its functions' slots.</summary>
internal sealed class NodeEndpoints(INodeStore? nodes)
{
    public async Task ListAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Read, null) is { } denied)
        {
            await denied;
            return;
        }
        var items = await ViewsAsync(Access.Grant(context)!, context.RequestAborted);
        await context.Response.WriteJsonAsync(new NodesView { Nodes = items }, GatewayJsonContext.Default.NodesView, cancellationToken: context.RequestAborted);
    }

    /// <summary>What <c>GET /v1/nodes</c> answers <paramref name="grant"/>; the dashboard shows the same.</summary>
    public async Task<List<NodeView>> ViewsAsync(KeyGrant grant, CancellationToken cancellationToken)
    {
        IReadOnlyList<NodeRecord> records = nodes is null
            ? []
            : await nodes.ListNodesAsync(NodeHeartbeat.SilentAfter(NodeHeartbeat.DefaultInterval), cancellationToken);
        var items = new List<NodeView>(records.Count);
        foreach (var record in records)
            items.Add(NodeView.From(record, grant.Covers));
        return items;
    }
}
