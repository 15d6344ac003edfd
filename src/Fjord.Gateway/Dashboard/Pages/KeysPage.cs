using System.Globalization;
using System.Text;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// <c>/keys</c> (admin only, as <c>/v1/keys</c>): the keys this admin's namespace covers, a form to
/// create one (its secret shown once, on a page nothing caches) and a revoke button per key. Both
/// commands run the API's own rules and writes (<see cref="KeyEndpoints.AddAsync"/>, <see cref="KeyEndpoints.RevokeAsync"/>).
/// </summary>
internal sealed class KeysPage(KeyEndpoints keys)
{
    public const string NotAdmin = "Managing API keys needs the 'admin' scope; your key does not have it, so this page shows nothing.";

    private static readonly string[] ScopeNames = ["read", "invoke", "deploy", "admin"];

    public async Task ListAsync(HttpContext context)
    {
        if (!Access.Grant(context)!.Allows(Scope.Admin))
        {
            await WritePageAsync(context, "Keys", $"""<p class="error" role="alert" id="not-admin">{H(NotAdmin)}</p>""", StatusCodes.Status403Forbidden);
            return;
        }
        var revoked = context.Request.Query["revoked"].ToString();
        var notice = revoked.Length > 0 ? $"""<p class="notice" role="status" id="outcome">Key {H(revoked)} is revoked.</p>""" : "";
        await ListPageAsync(context, notice, StatusCodes.Status200OK);
    }

    public async Task CreateAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var (request, formError) = Request(form);
        var grant = Access.Grant(context)!;
        if (request is null)
        {
            await ListPageAsync(context, Alert(formError!), StatusCodes.Status400BadRequest);
            return;
        }
        var (outcome, secret) = await keys.AddAsync(request, grant, context.RequestAborted);
        if (outcome.Forbidden is { } reason)
        {
            await ListPageAsync(context, Alert(reason), StatusCodes.Status403Forbidden);
            return;
        }
        if (outcome.Key is not { } key || secret is null)
        {
            await ListPageAsync(context, Alert(string.Join("; ", outcome.Errors)), StatusCodes.Status400BadRequest);
            return;
        }
        // Shown once: this answer is no-store (SecurityHeaders) and the store keeps only the hash.
        var body = $$"""
            <p class="notice" role="status">Key <strong>{{H(key.Id)}}</strong> ({{H(key.Name)}}) is created with {{H(string.Join(", ", key.Scopes))}} on namespace {{H(key.Namespace)}}.</p>
            <label for="new-secret">Secret: copy it now, it is not shown again</label>
            <input id="new-secret" class="secret" readonly value="{{H(secret)}}" autocomplete="off" spellcheck="false">
            <p><a href="{{DashboardRoutes.Keys}}">Back to keys</a></p>
            """;
        await WritePageAsync(context, "Key created", body, StatusCodes.Status201Created);
    }

    public async Task RevokeAsync(HttpContext context)
    {
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return;
        }
        var id = context.Request.RouteValues["id"] as string;
        if (!KeyRules.IsValidId(id) || !await keys.RevokeAsync(id!, Access.Grant(context)!, context.RequestAborted))
        {
            await WritePageAsync(context, "Keys", Alert($"There is no live key '{id}'."), StatusCodes.Status404NotFound);
            return;
        }
        context.Response.Redirect($"{DashboardRoutes.Keys}?revoked={Uri.EscapeDataString(id!)}", permanent: false);
    }

    private async Task ListPageAsync(HttpContext context, string notice, int status)
    {
        var grant = Access.Grant(context)!;
        var rows = new StringBuilder();
        foreach (var k in await keys.VisibleKeysAsync(grant, context.RequestAborted))
            rows.Append(Row(context, k, k.Id == grant.Key.Id));
        var scopes = string.Concat(ScopeNames.Select(s =>
            $"""<label class="check"><input type="checkbox" name="scopes" value="{s}"{(s == "read" ? " checked" : "")}> {s}</label>"""));
        var body = $$"""
            {{notice}}
            <div class="scroll"><table id="keys">
              <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Namespace</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">Action</th></tr></thead>
              <tbody>{{rows}}</tbody>
            </table></div>
            <section aria-labelledby="create-title">
              <h2 id="create-title">Create a key</h2>
              <form method="post" action="{{DashboardRoutes.Keys}}" class="filter">
                {{CsrfField(context)}}
                <label for="k-name">Name</label><input id="k-name" name="name" required maxlength="{{KeyRules.MaxNameLength}}">
                <fieldset><legend>Scopes</legend>{{scopes}}</fieldset>
                <label for="k-namespace">Namespace</label><input id="k-namespace" name="namespace" value="{{H(grant.Key.Namespace)}}" aria-describedby="k-namespace-hint">
                <span id="k-namespace-hint" class="hint">'*' for every function, or a function name prefix.</span>
                <label for="k-expires">Expires (UTC date, optional)</label><input id="k-expires" name="expires" type="date">
                <div class="actions"><button type="submit">Create key</button></div>
              </form>
            </section>
            """;
        await WritePageAsync(context, "Keys", body, status);
    }

    private static string Row(HttpContext context, ApiKey k, bool own) => $$"""
        <tr data-key="{{H(k.Id)}}"><th scope="row">{{H(k.Id)}}</th><td>{{H(k.Name)}}{{(own ? """ <span class="hint">(this session's key)</span>""" : "")}}</td>
        <td>{{H(string.Join(", ", k.Scopes))}}</td><td>{{H(k.Namespace)}}</td><td>{{H(DashboardFormat.Time(k.CreatedAt))}}</td>
        <td>{{H(DashboardFormat.Time(k.ExpiresAt))}}</td><td>{{H(DashboardFormat.Time(k.LastUsedAt))}}</td>
        <td>{{(own
            ? """<span class="hint">sign in with another admin key to revoke it, or rotate it with <code>fjord admin-key rotate</code></span>"""
            : $"""<form method="post" action="{DashboardRoutes.Keys}/{H(k.Id)}/revoke">{CsrfField(context)}<button type="submit" class="danger" aria-label="Revoke key {H(k.Id)}">Revoke</button></form>""")}}</td></tr>
        """;

    /// <summary>The form's fields as the API's request body; the date is the end of that day, UTC.</summary>
    private static (KeyRequest? Request, string? Error) Request(IFormCollection form)
    {
        DateTimeOffset? expires = null;
        var date = form["expires"].ToString();
        if (date.Length > 0)
        {
            if (!DateTime.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
                return (null, "expires: a date like 2030-12-31");
            expires = new DateTimeOffset(day.Date.AddDays(1).AddTicks(-1), TimeSpan.Zero);
        }
        var ns = form["namespace"].ToString().Trim();
        return (new KeyRequest
        {
            Name = form["name"].ToString().Trim(),
            Scopes = [.. form["scopes"].Where(s => s is not null).Select(s => s!)],
            Namespace = ns.Length == 0 ? null : ns,
            ExpiresAt = expires,
        }, null);
    }

    private static string Alert(string message) => $"""<p class="error" role="alert" id="key-error">{H(message)}</p>""";
}
