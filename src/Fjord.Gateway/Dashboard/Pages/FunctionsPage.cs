using System.Text;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// <c>/functions</c> and <c>/functions/{name}</c>: the functions the key covers, and one function's
/// state with pause and resume. The commands check the deploy scope with the API's own code
/// (<see cref="Route.AuthorizedFunctionAsync"/>) and pause through the API's own method.
/// </summary>
internal sealed class FunctionsPage(IFunctionStore store, IJobMonitor monitor, FunctionEndpoints functions)
{
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
        QueueStats? q = null;
        foreach (var s in await monitor.GetQueuesAsync(context.RequestAborted))
        {
            if (s.Name == name)
                q = s;
        }
        var canDeploy = Access.Grant(context)!.Allows(Scope.Deploy);
        var command = state.Paused ? "resume" : "pause";
        var label = state.Paused ? "Resume" : "Pause";
        var action = canDeploy
            ? $$"""<form method="post" action="/functions/{{H(name)}}/{{command}}">{{CsrfField(context)}}<button type="submit">{{label}}</button></form>"""
            : $"""<p><button type="button" disabled aria-describedby="why-disabled">{label}</button> <span id="why-disabled" class="hint">Your key lacks the 'deploy' scope, so it can look but not {command}.</span></p>""";
        var body = $$"""
            <dl class="facts">
              <dt>State</dt><dd id="state">{{(state.Paused ? "paused" : "active")}}</dd>
              <dt>Runtime</dt><dd>{{H(state.Spec.Runtime.ToString())}}</dd>
              <dt>Ready</dt><dd>{{H(q?.Ready ?? 0)}}</dd>
              <dt>Scheduled</dt><dd>{{H(q?.Scheduled ?? 0)}}</dd>
              <dt>Running</dt><dd>{{H(q?.Running ?? 0)}}</dd>
              <dt>Succeeded</dt><dd>{{H(q?.Succeeded ?? 0)}}</dd>
              <dt>Failed</dt><dd>{{H(q?.Failed ?? 0)}}</dd>
              <dt>Updated</dt><dd>{{H(state.UpdatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture))}}</dd>
            </dl>
            {{action}}
            """;
        await WritePageAsync(context, name, body);
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
