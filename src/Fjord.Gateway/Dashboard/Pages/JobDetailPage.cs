using System.Text;
using System.Text.Json;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// <c>/jobs/{id}</c>: one job's status, timeline, logs per attempt, payload and result previews,
/// callback deliveries and trace id, with retry and cancel. The buttons POST to this page's own
/// routes, which check the invoke scope on the job's function as <c>POST /v1/jobs/{id}/retry</c>
/// does and then run the API's own command (<see cref="JobEndpoints.RetryJobAsync"/>).
/// </summary>
internal sealed class JobDetailPage(IJobStore jobs, JobEndpoints commands)
{
    public async Task GetAsync(HttpContext context)
    {
        if (await LoadAsync(context) is not { } job)
            return;
        var ct = context.RequestAborted;
        var previews = jobs as IJobPreviews;
        var logs = previews is null ? [] : await previews.GetAttemptLogsAsync(job.Id, ct);
        var payload = previews is null ? null : await previews.GetBodyHeadAsync(job.Id, JobBody.Payload, BodyPreview.TextBytes, ct);
        var result = previews is null || job.Status != JobStatus.Succeeded ? null : await previews.GetBodyHeadAsync(job.Id, JobBody.Result, BodyPreview.TextBytes, ct);
        var self = DashboardRoutes.Jobs + "/" + job.Id;

        var body = new StringBuilder();
        // Until the job ends, the script asks every 2 s whether it moved and then reloads the page.
        var live = job.Status.IsTerminal() ? "" : $""" data-live="{H(DashboardRoutes.JobsData + "/" + job.Id)}" data-state="{H(State(job))}" """;
        body.Append($$"""
            <div id="job"{{live}}>
            <dl class="facts">
              <dt>Status</dt><dd><span id="status" class="status status-{{H(job.Status.ToWire())}}">{{H(job.Status.ToWire())}}</span></dd>
              <dt>Id</dt><dd><code id="job-id">{{H(job.Id)}}</code></dd>
              <dt>Function</dt><dd><a href="{{DashboardRoutes.Functions}}/{{H(job.Function)}}">{{H(job.Function)}}</a></dd>
              <dt>Trigger</dt><dd id="trigger">{{H(job.Trigger.Kind + (job.Trigger.Name is { } t ? " " + t : ""))}}</dd>
              <dt>Attempt</dt><dd>{{H(job.Attempt)}} of {{H(job.MaxAttempts)}}</dd>
              <dt>Duration</dt><dd>{{(job.DurationMs is { } d ? H(JobText.Duration(d)) : "")}}</dd>
              <dt>Queue wait</dt><dd>{{(job.QueueWaitMs is { } w ? H(JobText.Duration(w)) : "")}}</dd>
              <dt>Node</dt><dd>{{H(job.Node)}}</dd>
              <dt>Trace id</dt><dd><code id="trace-id">{{H(TraceContext.TraceId(job.Trace))}}</code></dd>
              {{(job.Error is { } e ? $"""<dt>Error</dt><dd id="error">{H(ErrorText(e))}</dd>""" : "")}}
            </dl>
            """);
        body.Append(Actions(context, job, self));
        body.Append(Timeline(job));
        body.Append(Logs(job, logs));
        body.Append("""<section aria-labelledby="payload-title"><h2 id="payload-title">Payload</h2>""");
        body.Append(payload is null ? """<p class="hint">Not stored.</p>""" : BodyPreview.Html(payload, "payload", "payload", self + "/payload/image"));
        body.Append("</section>");
        body.Append("""<section aria-labelledby="result-title"><h2 id="result-title">Result</h2>""");
        body.Append(result is not null
            ? BodyPreview.Html(result, "result", "result", self + "/result/image")
            : $"""<p class="hint" id="result-none">{(job.Status == JobStatus.Succeeded ? "Empty." : "None: the job " + H(job.Status.ToWire()) + (job.Status.IsTerminal() ? "." : ", not finished yet."))}</p>""");
        body.Append("</section>");
        body.Append(Callbacks(job));
        body.Append("</div>");
        await WritePageAsync(context, "Job " + job.Id[..8] + "…", body.ToString());
    }

    /// <summary>The job's status and attempt count as JSON: the job page reloads when they change.</summary>
    public async Task StateAsync(HttpContext context)
    {
        if (!Route.TryJob(context, out var id))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var job = await jobs.GetJobAsync(id, context.RequestAborted);
        if (job is null || !Access.Grant(context)!.Covers(job.Function))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", job.Status.ToWire());
        json.WriteString("state", State(job));
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    /// <summary>A payload or result that begins like a raster image, served as exactly that image type (nothing else is served).</summary>
    public async Task ImageAsync(HttpContext context)
    {
        if (await LoadAsync(context) is not { } job)
            return;
        var which = (context.Request.RouteValues["body"] as string) switch
        {
            "payload" => JobBody.Payload,
            "result" => JobBody.Result,
            _ => (JobBody?)null,
        };
        var head = which is { } b && jobs is IJobPreviews previews
            ? await previews.GetBodyHeadAsync(job.Id, b, BodyPreview.MaxImageBytes, context.RequestAborted)
            : null;
        if (head is null || !head.Whole || BodyPreview.ImageType(head.Head) is not { } type)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = type;
        context.Response.Headers.ContentDisposition = "inline";
        context.Response.ContentLength = head.Head.Length;
        await context.Response.Body.WriteAsync(head.Head, context.RequestAborted);
    }

    public Task RetryAsync(HttpContext context) => CommandAsync(context, retry: true);

    public Task CancelAsync(HttpContext context) => CommandAsync(context, retry: false);

    private async Task CommandAsync(HttpContext context, bool retry)
    {
        if (await LoadAsync(context) is not { } job)
            return;
        var grant = Access.Grant(context)!;
        if (!grant.Allows(Scope.Invoke))
        {
            await ForbiddenAsync(context, $"Your key lacks the 'invoke' scope, so it can look but not {(retry ? "retry" : "cancel")}.");
            return;
        }
        var ct = context.RequestAborted;
        var outcome = retry ? await commands.RetryJobAsync(job.Id, ct) : await commands.CancelJobAsync(job.Id, ct);
        if (outcome == JobCommandResult.WrongState)
        {
            var now = await jobs.GetJobAsync(job.Id, ct);
            var why = retry ? "Only a failed job can be retried" : "A finished job cannot be canceled";
            await WritePageAsync(context, "Not done",
                $"""<p class="error" role="alert">{H(why)} (it is {H(now?.Status.ToWire())}).</p><p><a href="{DashboardRoutes.Jobs}/{H(job.Id)}">Back to the job</a></p>""",
                StatusCodes.Status409Conflict);
            return;
        }
        context.Response.Redirect(DashboardRoutes.Jobs + "/" + job.Id);
    }

    /// <summary>The job named by the route when the session's key covers its function; else null with an HTML answer written.</summary>
    private async Task<JobRecord?> LoadAsync(HttpContext context)
    {
        if (!Route.TryJob(context, out var id))
        {
            await WritePageAsync(context, "Not a job id", """<p class="error" role="alert">A job id is 32 lower-case hex digits.</p>""", StatusCodes.Status400BadRequest);
            return null;
        }
        var job = await jobs.GetJobAsync(id, context.RequestAborted);
        var grant = Access.Grant(context)!;
        if (job is not null && !grant.Covers(job.Function))
        {
            await ForbiddenAsync(context, $"Your key's namespace '{grant.Key.Namespace}' does not cover this job's function.");
            return null;
        }
        if (job is null)
        {
            await WritePageAsync(context, "Not found", $"""<p class="error" role="alert">There is no job {H(id)}.</p>""", StatusCodes.Status404NotFound);
            return null;
        }
        return job;
    }

    private static string State(JobRecord job) => job.Status.ToWire() + "/" + job.Attempts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Actions(HttpContext context, JobRecord job, string self)
    {
        var (command, label) = job.Status switch
        {
            JobStatus.Failed => ("retry", "Retry"),
            JobStatus.Queued or JobStatus.Scheduled or JobStatus.Running => ("cancel", "Cancel"),
            _ => (null, null),
        };
        if (command is null)
            return "";
        // A read key gets no button at all, only the reason; the POST route refuses it anyway.
        if (!Access.Grant(context)!.Allows(Scope.Invoke))
            return $"""<p class="hint" id="why-no-action">Your key lacks the 'invoke' scope, so it can look at this job but not {command} it.</p>""";
        return $"""<form method="post" action="{H(self)}/{command}" class="actions">{CsrfField(context)}<button type="submit">{label}</button></form>""";
    }

    private static string Timeline(JobRecord job)
    {
        var items = new StringBuilder();
        items.Append($"""<li><time>{H(JobText.Time(job.CreatedAt))}</time> accepted</li>""");
        if (job.Status == JobStatus.Scheduled && job.RunAt is { } runAt)
            items.Append($"""<li><time>{H(JobText.Time(runAt))}</time> due (scheduled)</li>""");
        foreach (var a in job.Attempts)
        {
            var node = a.Node is null ? "" : $" on <code>{H(a.Node)}</code>";
            var ended = a.FinishedAt is { } f ? $", ended <time>{H(JobText.Time(f))}</time> after {H(JobText.Duration((long)(f - a.StartedAt).TotalMilliseconds))}" : "";
            var error = a.Error is { } e ? ": " + H(ErrorText(e)) : "";
            items.Append($"""<li class="attempt outcome-{H(a.Outcome)}"><time>{H(JobText.Time(a.StartedAt))}</time> attempt {H(a.Number)}{node} started{ended} · <strong>{H(a.Outcome)}</strong>{error}</li>""");
        }
        if (job.Status.IsTerminal() && job.FinishedAt is { } finished)
            items.Append($"""<li><time>{H(JobText.Time(finished))}</time> finished: <strong>{H(job.Status.ToWire())}</strong></li>""");
        return $"""<section aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline (UTC)</h2><ol class="timeline" id="timeline">{items}</ol></section>""";
    }

    private static string Logs(JobRecord job, IReadOnlyList<string> logs)
    {
        var html = new StringBuilder("""<section aria-labelledby="logs-title"><h2 id="logs-title">Logs</h2>""");
        if (job.Attempts.Count == 0)
            html.Append("""<p class="hint">No attempt yet.</p>""");
        for (var i = 0; i < job.Attempts.Count; i++)
        {
            var a = job.Attempts[i];
            var log = i < logs.Count ? logs[i] : null;
            var text = log is null
                ? """<p class="hint">Still running: its log is kept when the attempt ends.</p>"""
                : log.Length == 0 ? """<p class="hint">Nothing was written.</p>""" : $"""<pre class="log" tabindex="0">{H(log)}</pre>""";
            // The newest attempt's log is open; earlier ones fold away.
            html.Append($"""<details class="attempt-log" id="log-{i + 1}"{(i == job.Attempts.Count - 1 ? " open" : "")}><summary>Attempt {H(a.Number)} · {H(a.Outcome)}</summary>{text}</details>""");
        }
        return html.Append("</section>").ToString();
    }

    private static string Callbacks(JobRecord job)
    {
        if (job.Callbacks.Count == 0)
            return "";
        var rows = new StringBuilder();
        foreach (var c in job.Callbacks)
        {
            // As the API shows it: the receiver's status, never the socket error's text (it would describe the node's network).
            var delivered = c.StatusCode is >= 200 and < 300;
            var answer = c.StatusCode is { } s ? "HTTP " + H(s) : "no answer";
            rows.Append($"""<tr><td>{H(c.Number)}</td><td>{H(JobText.Time(c.At))}</td><td>{H(c.JobStatus.ToWire())}</td><td>{(delivered ? "delivered" : "failed")}</td><td>{answer}</td></tr>""");
        }
        return $$"""
            <section aria-labelledby="callbacks-title"><h2 id="callbacks-title">Callback deliveries</h2>
            <div class="scroll"><table id="callbacks">
              <thead><tr><th scope="col">Try</th><th scope="col">At (UTC)</th><th scope="col">Reported</th><th scope="col">Outcome</th><th scope="col">Answer</th></tr></thead>
              <tbody>{{rows}}</tbody>
            </table></div></section>
            """;
    }

    private static string ErrorText(JobError e) =>
        e.KindName + (e.ExitCode is { } code ? " (exit " + code.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")" : "") + (e.Message.Length > 0 ? ": " + e.Message : "");
}
