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
/// <c>/jobs?function=&amp;status=&amp;errorKind=&amp;since=&amp;cursor=</c>: jobs newest first, one
/// page of the store's cursor listing (the query behind <c>GET /v1/jobs</c>, parsed by the same
/// code), and <c>/dashboard/jobs</c>, the same first page as JSON for the script that keeps it live.
/// <c>/jobs?id=…</c> jumps to one job.
/// </summary>
internal sealed class JobsPage(IJobStore jobs, IFunctionStore functions, TimeProvider time)
{
    public const int PageSize = 50;

    private static readonly string[] Statuses = ["queued", "scheduled", "running", "succeeded", "failed", "canceled"];
    private static readonly string[] ErrorKinds = ["exit", "exception", "timeout", "crash", "memory", "expired", "canceled"];
    private static readonly (string Value, string Label)[] Periods =
        [("", "any time"), ("15m", "last 15 minutes"), ("1h", "last hour"), ("24h", "last 24 hours"), ("7d", "last 7 days")];

    public async Task ListAsync(HttpContext context)
    {
        var q = context.Request.Query;
        if (q.ContainsKey("id"))
        {
            await JumpAsync(context, q["id"].ToString());
            return;
        }
        var grant = Access.Grant(context)!;
        var (query, error) = JobListEndpoints.Parse(q, time.GetUtcNow(), PageSize);
        var status = StatusCodes.Status200OK;
        if (query is not null && query.Function is null && !grant.AllNamespaces)
            (query, error, status) = (null, $"Your key covers the namespace '{grant.Key.Namespace}' only: choose one of its functions.", StatusCodes.Status200OK);
        else if (query?.Function is { } f && !grant.Covers(f))
            (query, error, status) = (null, $"Your key's namespace '{grant.Key.Namespace}' does not cover '{f}'.", StatusCodes.Status403Forbidden);
        else if (query is null)
            status = StatusCodes.Status400BadRequest;

        JobPage? page = null;
        if (query is not null)
        {
            try
            {
                page = await jobs.ListJobsAsync(query, context.RequestAborted);
            }
            catch (ArgumentException)
            {
                (error, status) = ("That page link is not one this dashboard made: start again from the newest jobs.", StatusCodes.Status400BadRequest);
            }
        }

        var body = new StringBuilder();
        body.Append(await FiltersAsync(context, grant));
        body.Append(JumpForm(null));
        if (error is not null)
            body.Append($"""<p class="error" role="alert" id="jobs-error">{H(error)}</p>""");
        if (page is not null)
        {
            // Only the first page moves by itself: an older page stays put while someone reads it.
            var live = query!.Cursor is null ? $""" data-live="{H(DashboardRoutes.JobsData + context.Request.QueryString.Value)}" """ : " ";
            body.Append($$"""
                <div class="scroll"><table id="jobs"{{live}}aria-describedby="jobs-caption">
                  <caption id="jobs-caption">{{(query.Cursor is null ? "Newest first; new jobs appear by themselves." : "Older jobs, newest first.")}}</caption>
                  <thead><tr><th scope="col">Job</th><th scope="col">Function</th><th scope="col">Status</th><th scope="col">Attempt</th><th scope="col">Created (UTC)</th><th scope="col">Duration</th><th scope="col">Error</th></tr></thead>
                  <tbody>
                """);
            foreach (var job in page.Items)
                body.Append(Row(job));
            body.Append("</tbody></table></div>");
            if (page.Items.Count == 0)
                body.Append($"""<p class="hint" id="jobs-empty">{(page.Next is null ? "No jobs match." : "None among the jobs searched so far.")}</p>""");
            if (page.Items.Count < query.Limit && page.Next is not null)
                body.Append("""<p class="hint" id="jobs-searched">This filter is checked on a bounded number of jobs per page, so the page stays fast on a big store: Older searches on.</p>""");
            body.Append(Pager(context, query, page.Next));
        }
        await WritePageAsync(context, "Jobs", body.ToString(), status);
    }

    /// <summary>The first page as JSON rows (the cells the page shows), for the live table.</summary>
    public async Task DataAsync(HttpContext context)
    {
        var grant = Access.Grant(context)!;
        var (query, _) = JobListEndpoints.Parse(context.Request.Query, time.GetUtcNow(), PageSize);
        if (query is null || query.Cursor is not null || (query.Function is null ? !grant.AllNamespaces : !grant.Covers(query.Function)))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var page = await jobs.ListJobsAsync(query, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteStartArray("items");
        foreach (var job in page.Items)
        {
            json.WriteStartObject();
            json.WriteString("id", job.Id);
            json.WriteString("status", job.Status.ToWire());
            json.WriteStartArray("cells");
            foreach (var cell in Cells(job))
                json.WriteStringValue(cell);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    /// <summary>Function, status, attempt, created, duration, error kind: the cells after the id link.</summary>
    private static string[] Cells(JobRecord job) =>
    [
        job.Function,
        job.Status.ToWire(),
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{job.Attempt}/{job.MaxAttempts}"),
        JobText.Time(job.CreatedAt),
        job.DurationMs is { } ms ? JobText.Duration(ms) : "",
        job.Error?.KindName ?? "",
    ];

    private static string Row(JobRecord job)
    {
        var row = new StringBuilder($"""<tr data-id="{H(job.Id)}"><th scope="row"><a class="job-id" href="{DashboardRoutes.Jobs}/{H(job.Id)}">{H(job.Id)}</a></th>""");
        var cells = Cells(job);
        for (var i = 0; i < cells.Length; i++)
            row.Append(i == 1 ? $"""<td><span class="status status-{H(cells[i])}">{H(cells[i])}</span></td>""" : $"<td>{H(cells[i])}</td>");
        return row.Append("</tr>").ToString();
    }

    private async Task<string> FiltersAsync(HttpContext context, KeyGrant grant)
    {
        var q = context.Request.Query;
        var names = new List<string>();
        foreach (var f in await functions.ListFunctionsAsync(context.RequestAborted))
        {
            if (grant.Covers(f.Spec.Name))
                names.Add(f.Spec.Name);
        }
        names.Sort(StringComparer.Ordinal);
        var since = q["since"].ToString();
        var periods = Periods.ToList();
        if (since.Length > 0 && !periods.Exists(p => p.Value == since))
            periods.Add((since, since));
        return $$"""
            <form method="get" action="{{DashboardRoutes.Jobs}}" class="filters" aria-label="Filter jobs">
              <label>Function {{Select("function", grant.AllNamespaces ? "any function" : null, names.Select(n => (n, n)), q["function"].ToString())}}</label>
              <label>Status {{Select("status", "any status", Statuses.Select(s => (s, s)), q["status"].ToString())}}</label>
              <label>Error kind {{Select("errorKind", "any error", ErrorKinds.Select(k => (k, k)), q["errorKind"].ToString())}}</label>
              <label>Created {{Select("since", null, periods, since)}}</label>
              <button type="submit">Filter</button>
            </form>
            """;
    }

    private static string Select(string name, string? any, IEnumerable<(string Value, string Label)> options, string current)
    {
        var html = new StringBuilder($"""<select name="{name}">""");
        if (any is not null)
            html.Append($"""<option value="">{H(any)}</option>""");
        foreach (var (value, label) in options)
            html.Append($"""<option value="{H(value)}"{(value == current ? " selected" : "")}>{H(label)}</option>""");
        return html.Append("</select>").ToString();
    }

    private static string JumpForm(string? error) => $$"""
        <form method="get" action="{{DashboardRoutes.Jobs}}" class="jump" role="search" aria-label="Open a job by id">
          <label for="job-id">Job id</label>
          <input id="job-id" name="id" inputmode="latin" autocomplete="off" spellcheck="false" maxlength="64" size="34" placeholder="32 hex digits"{{(error is null ? "" : " aria-invalid=\"true\" aria-describedby=\"jump-error\"")}}>
          <button type="submit">Open</button>
        </form>
        {{(error is null ? "" : $"""<p class="error" role="alert" id="jump-error">{H(error)}</p>""")}}
        """;

    private static string Pager(HttpContext context, JobQuery query, string? next)
    {
        var links = new List<string>();
        if (query.Cursor is not null)
            links.Add($"""<a href="{H(Link(context, null))}">Newest</a>""");
        if (next is not null)
            links.Add($"""<a href="{H(Link(context, next))}" rel="next">Older</a>""");
        return links.Count == 0 ? "" : $"""<nav class="pager" aria-label="Pages">{string.Join(" ", links)}</nav>""";
    }

    /// <summary>This page's filters with another cursor.</summary>
    private static string Link(HttpContext context, string? cursor)
    {
        var parts = new List<KeyValuePair<string, string?>>();
        foreach (var (key, values) in context.Request.Query)
        {
            if (key is "function" or "status" or "errorKind" or "since" && values.ToString().Length > 0)
                parts.Add(new(key, values.ToString()));
        }
        if (cursor is not null)
            parts.Add(new("cursor", cursor));
        return DashboardRoutes.Jobs + QueryString.Create(parts).Value;
    }

    private async Task JumpAsync(HttpContext context, string text)
    {
        var id = text.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal);
        if (JobId.IsValid(id))
        {
            context.Response.Redirect(DashboardRoutes.Jobs + "/" + id);
            return;
        }
        var grant = Access.Grant(context)!;
        var body = await FiltersAsync(context, grant) + JumpForm("A job id is 32 hex digits, like the ones in the table below or in a 202 answer.");
        await WritePageAsync(context, "Jobs", body, StatusCodes.Status400BadRequest);
    }
}
