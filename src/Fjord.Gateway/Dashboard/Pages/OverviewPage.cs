using System.Text;
using System.Text.Json;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary><c>/</c>: the live overview (throughput, functions with their oldest ready age, nodes with CPU and memory), and <c>/dashboard/stats</c>, the JSON its script polls (every 2 s).</summary>
internal sealed class OverviewPage(ThroughputHistory history, NodeEndpoints nodes)
{
    public async Task GetAsync(HttpContext context)
    {
        var grant = Access.Grant(context)!;
        var (latest, _) = await history.ReadAsync(context.RequestAborted);
        var rows = new StringBuilder();
        foreach (var q in latest.Queues)
        {
            if (grant.Covers(q.Name))
                rows.Append(Row(q));
        }
        var nodeRows = new StringBuilder();
        foreach (var n in await nodes.ViewsAsync(grant, context.RequestAborted))
            nodeRows.Append(NodeRow(n));
        var body = $$"""
            <section aria-labelledby="throughput-title">
              <h2 id="throughput-title">Jobs finished per second (last 15 minutes)</h2>
              <div id="throughput" class="chart" data-stats="{{DashboardRoutes.Stats}}" role="img" aria-label="Chart of jobs succeeded and failed per second"></div>
            </section>
            <section aria-labelledby="functions-title">
              <h2 id="functions-title">Functions</h2>
              <div class="scroll">
              <table id="functions">
                <thead><tr><th scope="col">Function</th><th scope="col">Ready</th><th scope="col">Scheduled</th><th scope="col">Running</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">State</th><th scope="col">Oldest ready</th></tr></thead>
                <tbody>{{rows}}</tbody>
              </table>
              </div>
            </section>
            <section aria-labelledby="nodes-title">
              <h2 id="nodes-title">Nodes</h2>
              <div class="scroll">
              <table id="overview-nodes">
                <thead><tr><th scope="col">Node</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">CPU busy</th><th scope="col">CPU steal</th><th scope="col">Memory used</th></tr></thead>
                <tbody>{{nodeRows}}</tbody>
              </table>
              </div>
            </section>
            """;
        await WritePageAsync(context, "Overview", body);
    }

    public async Task StatsAsync(HttpContext context)
    {
        var grant = Access.Grant(context)!;
        var (latest, window) = await history.ReadAsync(context.RequestAborted);
        var (t, ok, failed) = ThroughputHistory.Rates(window, grant.Covers);
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        Numbers(json, "t", t);
        Numbers(json, "succeeded", ok);
        Numbers(json, "failed", failed);
        json.WriteStartArray("functions");
        foreach (var q in latest.Queues)
        {
            if (!grant.Covers(q.Name))
                continue;
            json.WriteStartObject();
            json.WriteString("name", q.Name);
            json.WriteNumber("ready", q.Ready);
            json.WriteNumber("scheduled", q.Scheduled);
            json.WriteNumber("running", q.Running);
            json.WriteNumber("succeeded", q.Succeeded);
            json.WriteNumber("failed", q.Failed);
            json.WriteBoolean("paused", q.Paused);
            json.WriteNumber("oldestReadyAgeMs", q.OldestReadyAgeMs);
            json.WriteString("oldestReady", Age(q));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("nodes");
        foreach (var n in await nodes.ViewsAsync(grant, context.RequestAborted))
        {
            json.WriteStartObject();
            json.WriteString("id", n.Id);
            json.WriteString("role", n.Role);
            json.WriteBoolean("alive", n.Alive);
            json.WriteString("cpuBusy", DashboardFormat.Percent(n.Host.CpuBusy));
            json.WriteString("cpuSteal", DashboardFormat.Percent(n.Host.CpuSteal));
            json.WriteString("memory", Memory(n.Host));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static void Numbers(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
            json.WriteNumberValue(Math.Round(v, 3));
        json.WriteEndArray();
    }

    private static string NodeRow(NodeView n) =>
        $"""<tr><th scope="row">{H(n.Id)}</th><td>{H(n.Role)}</td><td>{(n.Alive ? "alive" : "silent")}</td><td>{H(DashboardFormat.Percent(n.Host.CpuBusy))}</td><td>{H(DashboardFormat.Percent(n.Host.CpuSteal))}</td><td>{H(Memory(n.Host))}</td></tr>""";

    private static string Memory(HostView h) =>
        $"{DashboardFormat.Bytes(h.MemTotalBytes - h.MemAvailableBytes)} of {DashboardFormat.Bytes(h.MemTotalBytes)}";

    private static string Age(QueueStats q) => DashboardFormat.Duration(TimeSpan.FromMilliseconds(q.OldestReadyAgeMs));

    private static string Row(QueueStats q) =>
        $"""<tr><th scope="row">{H(q.Name)}</th><td>{H(q.Ready)}</td><td>{H(q.Scheduled)}</td><td>{H(q.Running)}</td><td>{H(q.Succeeded)}</td><td>{H(q.Failed)}</td><td>{(q.Paused ? "paused" : "active")}</td><td>{H(Age(q))}</td></tr>""";
}
