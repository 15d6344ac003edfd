using System.Text;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// <c>/dead-letters</c>: failed jobs grouped by function and error kind (counted from the store's
/// index of failed jobs, never a count over all jobs); retry or purge by filter after a confirmation
/// page that states how many jobs. The commands go through <see cref="DeadLetterEndpoints.MoveAsync"/>,
/// the API's own scope checks and move.
/// </summary>
internal sealed class DeadLettersPage(DeadLetterEndpoints endpoints, TimeProvider time)
{
    private const string NoDeploy = "Your key lacks the 'deploy' scope, so it can look at dead letters but not retry or purge them.";

    public async Task ListAsync(HttpContext context)
    {
        var grant = Access.Grant(context)!;
        var canAct = grant.Allows(Scope.Deploy);
        var groups = endpoints.Store is { } store ? await store.GroupDeadLettersAsync(context.RequestAborted) : [];
        var rows = new StringBuilder();
        var functions = new SortedSet<string>(StringComparer.Ordinal);
        long total = 0, shown = 0;
        foreach (var g in groups)
        {
            if (!grant.Covers(g.Function))
                continue;
            functions.Add(g.Function);
            total += g.Count;
            shown++;
            rows.Append(Row(g, canAct));
        }
        var done = context.Request.Query;
        var message = done["retried"].Count > 0 ? $"Retried {H(done["retried"].ToString())} jobs."
            : done["purged"].Count > 0 ? $"Purged {H(done["purged"].ToString())} jobs." : null;
        var body = new StringBuilder();
        if (message is not null)
            body.Append($"""<p class="notice" role="status" id="outcome">{message}</p>""");
        if (!canAct)
            body.Append($"""<p class="hint" id="why-no-actions">{H(NoDeploy)}</p>""");
        body.Append(rows.Length == 0
            ? """<p id="no-dead-letters">No dead letters: every failed job was retried or purged.</p>"""
            : $$"""
              <p>{{H(total)}} {{(total == 1 ? "dead letter" : "dead letters")}} in {{H(shown)}} {{(shown == 1 ? "group" : "groups")}}.</p>
              <div class="scroll"><table id="dead-letter-groups">
                <caption class="sr-only">Dead letters by function and error kind</caption>
                <thead><tr><th scope="col">Function</th><th scope="col">Error kind</th><th scope="col">Jobs</th><th scope="col">Last failed</th>{{(canAct ? """<th scope="col">Actions</th>""" : "")}}</tr></thead>
                <tbody>{{rows}}</tbody>
              </table></div>
              """);
        if (canAct)
            body.Append(FilterForm(functions));
        await WritePageAsync(context, "Dead letters", body.ToString());
    }

    /// <summary>The confirmation: how many jobs the filter names now, and the button that acts on them.</summary>
    public async Task ConfirmAsync(HttpContext context)
    {
        var q = context.Request.Query;
        var retry = q["action"].ToString() != "purge";
        var (filter, error) = DeadLetterEndpoints.Parse(q["function"], q["errorKind"], q["since"], time.GetUtcNow());
        if (filter is null)
        {
            await WritePageAsync(context, "Dead letters", $"""<p class="error" role="alert">{H(error)}</p>""", StatusCodes.Status400BadRequest);
            return;
        }
        var grant = Access.Grant(context)!;
        var refusal = !grant.Allows(Scope.Deploy) ? NoDeploy
            : filter.Function is null && !grant.AllNamespaces ? "Your key is limited to a namespace: choose one of its functions."
            : filter.Function is not null && !grant.Covers(filter.Function) ? $"Your key's namespace does not cover '{filter.Function}'."
            : null;
        if (refusal is not null)
        {
            await ForbiddenAsync(context, refusal);
            return;
        }
        var count = endpoints.Store is { } store ? await store.CountDeadLettersAsync(filter, context.RequestAborted) : 0;
        var verb = retry ? "Retry" : "Purge";
        var what = Describe(filter, q["since"]);
        string body;
        if (count == 0)
        {
            body = $"""<p id="confirm-count">No dead letters match {H(what)}.</p><p><a href="{DashboardRoutes.DeadLetters}">Back to dead letters</a></p>""";
        }
        else
        {
            var consequence = retry
                ? "They go back to the queue with a fresh attempt budget; their history is kept."
                : "They are deleted with their attempts, logs and callbacks; this cannot be undone. The failed totals stay.";
            body = $$"""
                <p id="confirm-count"><strong>{{verb}} {{H(count)}} {{(count == 1 ? "job" : "jobs")}}</strong>: the dead letters of {{H(what)}}.</p>
                <p class="hint">{{consequence}} Jobs that fail meanwhile and match are included.</p>
                <form method="post" action="{{DashboardRoutes.DeadLetters}}/{{(retry ? "retry" : "purge")}}" class="actions">
                  {{CsrfField(context)}}
                  <input type="hidden" name="function" value="{{H(filter.Function)}}">
                  <input type="hidden" name="errorKind" value="{{H(filter.ErrorKind?.ToString().ToLowerInvariant())}}">
                  <input type="hidden" name="since" value="{{H(q["since"].ToString())}}">
                  <button type="submit" class="{{(retry ? "" : "danger")}}">{{verb}} {{H(count)}} {{(count == 1 ? "job" : "jobs")}}</button>
                  <a href="{{DashboardRoutes.DeadLetters}}">Cancel</a>
                </form>
                """;
        }
        await WritePageAsync(context, verb + " dead letters", body);
    }

    public Task RetryAsync(HttpContext context) => ActAsync(context, retry: true);

    public Task PurgeAsync(HttpContext context) => ActAsync(context, retry: false);

    private async Task ActAsync(HttpContext context, bool retry)
    {
        // The deploy check first, as the API does, so a read key learns nothing from its forged filter.
        if (Access.Deny(context, Scope.Deploy, null) is { } denied)
        {
            await denied;
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var (filter, error) = DeadLetterEndpoints.Parse(form["function"], form["errorKind"], form["since"], time.GetUtcNow());
        if (filter is null)
        {
            await WritePageAsync(context, "Dead letters", $"""<p class="error" role="alert">{H(error)}</p>""", StatusCodes.Status400BadRequest);
            return;
        }
        if (await endpoints.MoveAsync(context, filter, retry) is not { } count)
            return;
        context.Response.Redirect($"{DashboardRoutes.DeadLetters}?{(retry ? "retried" : "purged")}={count}", permanent: false);
    }

    private static string Row(DeadLetterGroup g, bool canAct)
    {
        var kind = Kind(g.ErrorKind);
        var filter = $"function={Uri.EscapeDataString(g.Function)}&errorKind={Uri.EscapeDataString(kind)}";
        var jobs = $"{DashboardRoutes.Jobs}?function={Uri.EscapeDataString(g.Function)}&status=failed&errorKind={Uri.EscapeDataString(kind)}";
        var label = $"{g.Function} {(kind.Length > 0 ? kind : "without error kind")}";
        // A failure stored without a kind cannot be named by a filter (an empty kind means any kind): no group buttons, the filter form still reaches it.
        var actions = !canAct ? ""
            : g.ErrorKind is null ? """<td class="hint">use the filter below</td>"""
            : $$"""<td class="actions"><a class="button" href="{{DashboardRoutes.DeadLetters}}/confirm?action=retry&amp;{{H(filter)}}" aria-label="Retry {{H(label)}}">Retry…</a> <a class="button danger" href="{{DashboardRoutes.DeadLetters}}/confirm?action=purge&amp;{{H(filter)}}" aria-label="Purge {{H(label)}}">Purge…</a></td>""";
        return $$"""<tr data-function="{{H(g.Function)}}" data-kind="{{H(kind)}}"><th scope="row"><a href="{{H(DashboardRoutes.Functions + "/" + g.Function)}}">{{H(g.Function)}}</a></th><td>{{H(kind.Length > 0 ? kind : "—")}}</td><td><a class="count" href="{{H(jobs)}}" aria-label="{{H(g.Count)}} failed jobs of {{H(label)}}">{{H(g.Count)}}</a></td><td>{{H(DashboardFormat.Time(g.LastFailedAt))}}</td>{{actions}}</tr>""";
    }

    private static string FilterForm(IEnumerable<string> functions)
    {
        var options = new StringBuilder("""<option value="">every function</option>""");
        foreach (var f in functions)
            options.Append($"""<option value="{H(f)}">{H(f)}</option>""");
        var kinds = new StringBuilder("""<option value="">any kind</option>""");
        foreach (var k in Enum.GetValues<Fjord.Core.Jobs.ErrorKind>())
            kinds.Append($"""<option>{H(Kind(k))}</option>""");
        return $$"""
            <section aria-labelledby="filter-title">
              <h2 id="filter-title">Retry or purge by filter</h2>
              <form method="get" action="{{DashboardRoutes.DeadLetters}}/confirm" class="filter">
                <label for="f-function">Function</label><select id="f-function" name="function">{{options}}</select>
                <label for="f-kind">Error kind</label><select id="f-kind" name="errorKind">{{kinds}}</select>
                <label for="f-since">Failed since</label><input id="f-since" name="since" placeholder="24h or 2030-01-01T00:00:00Z" aria-describedby="f-since-hint">
                <span id="f-since-hint" class="hint">Empty: any time.</span>
                <div class="actions"><button type="submit" name="action" value="retry">Review retry…</button> <button type="submit" name="action" value="purge" class="danger">Review purge…</button></div>
              </form>
            </section>
            """;
    }

    private static string Kind(Fjord.Core.Jobs.ErrorKind? kind) => kind?.ToString().ToLowerInvariant() ?? "";

    private static string Describe(DeadLetterFilter filter, string? since) =>
        (filter.Function ?? "every function")
        + (filter.ErrorKind is { } k ? $", error kind {Kind(k)}" : ", any error kind")
        + (string.IsNullOrEmpty(since) ? "" : $", failed since {since}");
}
