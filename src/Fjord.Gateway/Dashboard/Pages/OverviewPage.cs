using System.Text;
using System.Text.Json;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary><c>/</c>: the live overview, and <c>/dashboard/stats</c>, the JSON its script polls (every 2 s).</summary>
internal sealed class OverviewPage(ThroughputHistory history)
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
        var body = $$"""
            <section aria-labelledby="throughput-title">
              <h2 id="throughput-title">Jobs finished per second (last 15 minutes)</h2>
              <div id="throughput" class="chart" data-stats="{{DashboardRoutes.Stats}}" role="img" aria-label="Chart of jobs succeeded and failed per second"></div>
            </section>
            <section aria-labelledby="functions-title">
              <h2 id="functions-title">Functions</h2>
              <div class="scroll">
              <table id="functions">
                <thead><tr><th scope="col">Function</th><th scope="col">Ready</th><th scope="col">Scheduled</th><th scope="col">Running</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">State</th></tr></thead>
                <tbody>{{rows}}</tbody>
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

    private static string Row(QueueStats q) =>
        $"""<tr><th scope="row">{H(q.Name)}</th><td>{H(q.Ready)}</td><td>{H(q.Scheduled)}</td><td>{H(q.Running)}</td><td>{H(q.Succeeded)}</td><td>{H(q.Failed)}</td><td>{(q.Paused ? "paused" : "active")}</td></tr>""";
}
