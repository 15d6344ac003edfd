using Fjord.Gateway.Auth;
using Microsoft.AspNetCore.Http;
using static Fjord.Gateway.Dashboard.DashboardHtml;

namespace Fjord.Gateway.Dashboard;

/// <summary><c>/login</c> and <c>/logout</c>: a key in, a session cookie out; the key is checked by the same cache as a bearer key.</summary>
internal sealed class LoginPage(DashboardSessions sessions, KeyCache keys, TimeProvider time)
{
    private const int MaxKeyLength = 512;

    public Task GetAsync(HttpContext context) => FormAsync(context, null, StatusCodes.Status200OK);

    public async Task PostAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        var secret = form?["key"].ToString().Trim() ?? "";
        if (secret.Length is 0 or > MaxKeyLength)
        {
            await FormAsync(context, "Enter an API key.", StatusCodes.Status400BadRequest);
            return;
        }
        var grant = await keys.FindAsync(secret, context.RequestAborted);
        if (grant is null)
        {
            await FormAsync(context, "That API key is not known (or was revoked).", StatusCodes.Status401Unauthorized);
            return;
        }
        if (!DashboardGate.IsLive(grant, time))
        {
            await FormAsync(context, "That API key has expired.", StatusCodes.Status401Unauthorized);
            return;
        }
        if (!grant.Allows(Scope.Read))
        {
            await FormAsync(context, "That API key lacks the 'read' scope, which the dashboard needs.", StatusCodes.Status403Forbidden);
            return;
        }
        var (id, _) = sessions.Create(secret);
        context.Response.Cookies.Append(DashboardSessions.CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
        context.Response.Redirect(DashboardRoutes.Overview);
    }

    public Task LogoutAsync(HttpContext context)
    {
        sessions.Remove(context.Request.Cookies[DashboardSessions.CookieName]);
        context.Response.Cookies.Delete(DashboardSessions.CookieName);
        context.Response.Redirect(DashboardRoutes.Login);
        return Task.CompletedTask;
    }

    private static Task FormAsync(HttpContext context, string? error, int status)
    {
        var message = error is null ? "" : $"""<p class="error" role="alert" id="login-error">{H(error)}</p>""";
        var body = $$"""
            {{message}}
            <form method="post" action="{{DashboardRoutes.Login}}" class="login">
              <label for="key">API key</label>
              <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
              <button type="submit">Sign in</button>
            </form>
            <p class="hint">The key stays on the server; the browser keeps only a session cookie.</p>
            """;
        return WritePageAsync(context, "Sign in", body, status);
    }
}
