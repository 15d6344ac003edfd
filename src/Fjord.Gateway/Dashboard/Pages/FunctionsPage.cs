using System.Text;
using System.Text.Json;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// <c>/functions</c> and <c>/functions/{name}</c>: the functions the key covers, and one function's
/// state, pool, depth and age over time, recent jobs and spec (env values masked), with pause and
/// resume. The commands check the deploy scope with the API's own code
/// (<see cref="Route.AuthorizedFunctionAsync"/>) and pause through the API's own method.
/// </summary>
internal sealed partial class FunctionsPage(
    IFunctionStore store, IJobMonitor monitor, IJobStore jobs, FunctionEndpoints functions, FunctionViews views, LiveWorkers live, ThroughputHistory history)
{
    private const int RecentJobs = 10;

    public async Task ListAsync(HttpContext context)
    {
        var grant = Access.Grant(context)!;
        var rows = new StringBuilder();
        foreach (var f in await store.ListFunctionsAsync(context.RequestAborted))
        {
            if (!grant.Covers(f.Spec.Name))
                continue;
            rows.Append($"""<tr><th scope="row"><a href="/functions/{H(f.Spec.Name)}">{H(f.Spec.Name)}</a></th><td>{H(f.Spec.Runtime.ToString())}</td><td>{(f.Paused ? "paused" : "active")}</td></tr>""");
        }
        var body = $$"""
            <div class="scroll"><table id="function-list">
              <thead><tr><th scope="col">Function</th><th scope="col">Runtime</th><th scope="col">State</th></tr></thead>
              <tbody>{{rows}}</tbody>
            </table></div>
            """;
        await WritePageAsync(context, "Functions", body);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Read) is not { } name)
            return;
        var state = await store.GetFunctionAsync(name, context.RequestAborted);
        if (state is null)
        {
            await WritePageAsync(context, "Not found", $"""<p class="error" role="alert">No function is named {H(name)}.</p>""", StatusCodes.Status404NotFound);
            return;
        }
        var ct = context.RequestAborted;
        // Fresh counters (not the chart's sample, up to a second old): jobs just submitted must show.
        var q = (await monitor.GetQueuesAsync(ct)).FirstOrDefault(s => s.Name == name);
        var canDeploy = Access.Grant(context)!.Allows(Scope.Deploy);
        var command = state.Paused ? "resume" : "pause";
        var label = state.Paused ? "Resume" : "Pause";
        var action = canDeploy
            ? $$"""<form method="post" action="/functions/{{H(name)}}/{{command}}">{{CsrfField(context)}}<button type="submit">{{label}}</button></form>"""
            : $"""<p><button type="button" disabled aria-describedby="why-disabled">{label}</button> <span id="why-disabled" class="hint">Your key lacks the 'deploy' scope, so it can look but not {command}.</span></p>""";
        // The dashboard masks env values for every key: a screen is easier to read over a shoulder than an API answer.
        var view = views.From(state, maskEnv: true);
        var cluster = (await live.PerFunctionAsync(ct)).GetValueOrDefault(name);
        var health = view.Healthy ? "healthy" : "unhealthy: " + view.Problem;
        var recent = await jobs.ListJobsAsync(new JobQuery(name, null, RecentJobs), ct);
        var body = $$"""
            <dl class="facts">
              <dt>State</dt><dd id="state">{{(state.Paused ? "paused" : "active")}}</dd>
              <dt>Runtime</dt><dd>{{H(state.Spec.Runtime.ToString())}}</dd>
              <dt>Ready</dt><dd>{{H(q?.Ready ?? 0)}}</dd>
              <dt>Oldest ready</dt><dd id="oldest-ready">{{H(DashboardFormat.Duration(TimeSpan.FromMilliseconds(q?.OldestReadyAgeMs ?? 0)))}}</dd>
              <dt>Scheduled</dt><dd>{{H(q?.Scheduled ?? 0)}}</dd>
              <dt>Running</dt><dd>{{H(q?.Running ?? 0)}}</dd>
              <dt>Succeeded</dt><dd>{{H(q?.Succeeded ?? 0)}}</dd>
              <dt>Failed</dt><dd>{{H(q?.Failed ?? 0)}}</dd>
              <dt>Processes</dt><dd id="pool">{{H(cluster)}} in the cluster; on this node {{H(view.Workers)}}, {{H(view.Busy)}} busy</dd>
              <dt>Pool health</dt><dd id="health" class="{{(view.Healthy ? "ok" : "bad")}}">{{H(health)}}</dd>
              <dt>Updated</dt><dd>{{H(DashboardFormat.Time(state.UpdatedAt))}}</dd>
            </dl>
            {{action}}
            <section aria-labelledby="depth-title">
              <h2 id="depth-title">Depth and oldest ready age (last 15 minutes)</h2>
              <div id="depth" class="chart" data-series="{{DashboardRoutes.Stats}}/{{H(name)}}" role="img" aria-label="Chart of ready, scheduled and running jobs and the oldest ready job's age"></div>
            </section>
            <section aria-labelledby="recent-title">
              <h2 id="recent-title">Recent jobs</h2>
              {{RecentTable(recent.Items)}}
              <p><a href="{{DashboardRoutes.Jobs}}?function={{H(name)}}">All jobs of {{H(name)}}</a> · <a href="{{DashboardRoutes.Jobs}}?function={{H(name)}}&amp;status=failed">Failed jobs</a></p>
            </section>
            <section aria-labelledby="spec-title">
              <h2 id="spec-title">Spec</h2>
              <p class="hint">Env values are masked ({{FunctionViews.MaskedValue}}); secrets are listed by name only and their values never leave the store.</p>
              <pre id="spec" tabindex="0">{{H(Indented(view.Spec))}}</pre>
            </section>
            """;
        await WritePageAsync(context, name, body);
    }

    private static string RecentTable(IReadOnlyList<JobRecord> items)
    {
        if (items.Count == 0)
            return """<p id="no-recent-jobs">No jobs yet.</p>""";
        var rows = new StringBuilder();
        foreach (var j in items)
        {
            var took = j.DurationMs is { } ms ? DashboardFormat.Duration(TimeSpan.FromMilliseconds(ms)) : "—";
            var error = j.Error is { } e ? $"{e.Kind.ToString().ToLowerInvariant()}: {e.Message}" : "";
            rows.Append($$"""<tr><th scope="row"><a class="mono" href="{{DashboardRoutes.Jobs}}/{{H(j.Id)}}">{{H(j.Id)}}</a></th><td>{{H(j.Status.ToWire())}}</td><td>{{H(DashboardFormat.Time(j.CreatedAt))}}</td><td>{{H(took)}}</td><td>{{H(j.Attempt)}}/{{H(j.MaxAttempts)}}</td><td>{{H(j.Node ?? "—")}}</td><td class="clip">{{H(error)}}</td></tr>""");
        }
        return $$"""
            <div class="scroll"><table id="recent-jobs">
              <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Took</th><th scope="col">Attempt</th><th scope="col">Node</th><th scope="col">Error</th></tr></thead>
              <tbody>{{rows}}</tbody>
            </table></div>
            """;
    }

    private static string Indented(Fjord.Core.Functions.FunctionDocument spec)
    {
        using var doc = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(spec, GatewayJsonContext.Default.FunctionDocument));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            doc.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public Task PauseAsync(HttpContext context) => SetPausedAsync(context, paused: true);

    public Task ResumeAsync(HttpContext context) => SetPausedAsync(context, paused: false);

    private async Task SetPausedAsync(HttpContext context, bool paused)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } name)
            return;
        await functions.SetPausedAsync(name, paused, context.RequestAborted);
        context.Response.Redirect("/functions/" + Uri.EscapeDataString(name), permanent: false);
    }
}
