using System.Text;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardFormat;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary><c>/nodes</c>: every node's latest heartbeat, exactly what <c>GET /v1/nodes</c> answers the same key.</summary>
internal sealed class NodesPage(NodeEndpoints nodes, TimeProvider time)
{
    public async Task GetAsync(HttpContext context)
    {
        var views = await nodes.ViewsAsync(Access.Grant(context)!, context.RequestAborted);
        var now = time.GetUtcNow();
        var rows = new StringBuilder();
        foreach (var n in views)
            rows.Append(Row(n, now));
        var body = views.Count == 0
            ? """<p id="no-nodes">No node has reported yet (nodes write a heartbeat every 5 s).</p>"""
            : $$"""
              <div class="scroll" id="nodes-live" data-live="5"><table id="nodes">
                <thead><tr><th scope="col">Node</th><th scope="col">Role</th><th scope="col">Version</th><th scope="col">State</th><th scope="col">Uptime</th>
                  <th scope="col">CPU busy</th><th scope="col">CPU steal</th><th scope="col">Load (1 min)</th><th scope="col">Memory used</th>
                  <th scope="col">Disk free</th><th scope="col">Process RSS</th><th scope="col">Slots busy/total</th></tr></thead>
                <tbody>{{rows}}</tbody>
              </table></div>
              <p class="hint">CPU figures are shares of all the node's CPUs over its last heartbeat interval; steal is time the hypervisor gave to other machines.</p>
              """;
        await WritePageAsync(context, "Nodes", body);
    }

    private static string Row(NodeView n, DateTimeOffset now)
    {
        var h = n.Host;
        var used = h.MemTotalBytes - h.MemAvailableBytes;
        var slots = n.Slots.Count == 0 ? "—" : string.Join(", ", n.Slots.Select(s => $"{s.Function} {s.Busy}/{s.Total}"));
        var state = n.Alive ? "alive" : "silent since " + Time(n.LastSeenAt);
        var warnings = n.Warnings.Count == 0 ? "" : $"""<ul class="warnings">{string.Concat(n.Warnings.Select(w => $"<li>{H(w)}</li>"))}</ul>""";
        return $$"""
            <tr data-node="{{H(n.Id)}}"><th scope="row">{{H(n.Id)}}{{warnings}}</th><td>{{H(n.Role)}}</td><td>{{H(n.Version)}}</td>
            <td class="{{(n.Alive ? "ok" : "bad")}}">{{H(state)}}</td><td>{{H(Duration(now - n.StartedAt))}}</td>
            <td class="cpu-busy">{{H(Percent(h.CpuBusy))}}</td><td class="cpu-steal">{{H(Percent(h.CpuSteal))}}</td><td>{{H(Number(h.Load1))}} on {{H(h.Cpus)}} CPUs</td>
            <td class="memory">{{H(Bytes(used))}} of {{H(Bytes(h.MemTotalBytes))}}</td><td>{{H(Bytes(h.DiskFreeBytes))}}</td><td>{{H(Bytes(n.Process.RssBytes))}}</td>
            <td>{{H(slots)}}</td></tr>
            """;
    }
}
