using System.Globalization;
using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Json;
using Fjord.Gateway.Schedules;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// <c>/schedules</c>: every schedule the key covers with its next fire time, last run and skips,
/// and per schedule "Trigger now" and "Pause"/"Resume". The commands check the deploy scope with
/// the API's own code (<see cref="Route.AuthorizedFunctionAsync"/>) and act through the same
/// <see cref="ScheduleBook"/> as <c>/v1/schedules</c>; a read key sees the buttons disabled.
/// </summary>
internal sealed class SchedulesPage(ScheduleBook book)
{
    public async Task ListAsync(HttpContext context)
    {
        var grant = Access.Grant(context)!;
        var canDeploy = grant.Allows(Scope.Deploy);
        var schedules = await book.ListAsync(grant.Covers, context.RequestAborted);
        var rows = new StringBuilder();
        foreach (var s in schedules)
            rows.Append(Row(context, s, canDeploy));
        var notice = context.Request.Query["triggered"].ToString() is { Length: > 0 } id && JobId.IsValid(id)
            ? $"""<p class="notice" role="status" id="triggered">Triggered: job <a href="/jobs/{H(id)}">{H(id)}</a></p>"""
            : "";
        var hint = canDeploy ? "" : """<p class="hint" id="why-disabled">Your key lacks the 'deploy' scope, so it can look but not trigger or pause.</p>""";
        var body = schedules.Count == 0
            ? """<p id="no-schedules">No schedules. Add <code>schedules:</code> to a function in fjord.yml.</p>"""
            : $$"""
              {{notice}}{{hint}}
              <div class="scroll" id="schedules-live" data-live="5"><table id="schedule-list">
                <thead><tr><th scope="col">Function</th><th scope="col">Schedule</th><th scope="col">Cron</th><th scope="col">Zone</th>
                <th scope="col">Next fire (UTC)</th><th scope="col">Last fire (UTC)</th><th scope="col">Last job</th><th scope="col">Skipped</th>
                <th scope="col">State</th><th scope="col">Actions</th></tr></thead>
                <tbody>{{rows}}</tbody>
              </table></div>
              """;
        await WritePageAsync(context, "Schedules", body);
    }

    private static string Row(HttpContext context, ScheduleView s, bool canDeploy)
    {
        var path = $"/schedules/{H(s.Function)}/{H(s.Name)}";
        var pauseCommand = s.Paused ? "resume" : "pause";
        var pauseLabel = s.Paused ? "Resume" : "Pause";
        var label = $"{s.Function}/{s.Name}";
        var actions = canDeploy
            ? $$"""
              <form method="post" action="{{path}}/trigger">{{CsrfField(context)}}<button type="submit" aria-label="Trigger {{H(label)}} now">Trigger now</button></form>
              <form method="post" action="{{path}}/{{pauseCommand}}">{{CsrfField(context)}}<button type="submit" aria-label="{{pauseLabel}} {{H(label)}}">{{pauseLabel}}</button></form>
              """
            : $"""<button type="button" disabled aria-describedby="why-disabled">Trigger now</button> <button type="button" disabled aria-describedby="why-disabled">{pauseLabel}</button>""";
        var lastJob = s.LastJobId is { } job ? $"""<a href="/jobs/{H(job)}">{H(job)}</a>""" : "-";
        return $$"""
            <tr data-schedule="{{H(label)}}"><th scope="row">{{H(s.Function)}}</th><td>{{H(s.Name)}}</td><td><code>{{H(s.Cron)}}</code></td><td>{{H(s.Timezone)}}</td>
            <td class="next">{{Time(s.NextFireAt)}}</td><td class="last">{{Time(s.LastFireAt)}}</td><td class="last-job">{{lastJob}}</td>
            <td class="skipped">{{H(s.Skipped)}}</td><td class="state">{{(s.Paused ? "paused" : "active")}}</td><td class="actions">{{actions}}</td></tr>
            """;
    }

    private static string Time(DateTimeOffset? at) =>
        at is { } t ? H(t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)) : "-";

    public async Task TriggerAsync(HttpContext context)
    {
        if (await AuthorizedAsync(context) is not var (function, name))
            return;
        var (result, submit) = await book.TriggerAsync(function, name, context.RequestAborted);
        if (result != ScheduleCommandResult.Done)
        {
            await WritePageAsync(context, "Not triggered", $"""<p class="error" role="alert">{H(submit.Refusal ?? $"function '{function}' has no schedule '{name}'")}</p>""",
                result == ScheduleCommandResult.UnknownSchedule ? StatusCodes.Status404NotFound : StatusCodes.Status503ServiceUnavailable);
            return;
        }
        context.Response.Redirect("/schedules?triggered=" + Uri.EscapeDataString(submit.JobId!), permanent: false);
    }

    public Task PauseAsync(HttpContext context) => SetPausedAsync(context, paused: true);

    public Task ResumeAsync(HttpContext context) => SetPausedAsync(context, paused: false);

    private async Task SetPausedAsync(HttpContext context, bool paused)
    {
        if (await AuthorizedAsync(context) is not var (function, name))
            return;
        if (await book.SetPausedAsync(function, name, paused, context.RequestAborted) is null)
        {
            await WritePageAsync(context, "Not found", $"""<p class="error" role="alert">Function {H(function)} has no schedule {H(name)}.</p>""", StatusCodes.Status404NotFound);
            return;
        }
        context.Response.Redirect("/schedules", permanent: false);
    }

    private static async Task<(string Function, string Name)?> AuthorizedAsync(HttpContext context)
    {
        if (await Route.AuthorizedFunctionAsync(context, Scope.Deploy) is not { } function)
            return null;
        if (context.Request.RouteValues["schedule"] is not string name || !FunctionSpec.IsValidName(name))
        {
            await WritePageAsync(context, "Not found", """<p class="error" role="alert">That is not a schedule name.</p>""", StatusCodes.Status404NotFound);
            return null;
        }
        return (function, name);
    }
}
