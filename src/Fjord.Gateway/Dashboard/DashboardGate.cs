using Fjord.Gateway.Auth;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// Authenticates the dashboard's paths by session cookie instead of bearer key, then runs the
/// matched endpoint directly (the bearer-key middleware after this one is for the API only).
/// It attaches the same <see cref="KeyGrant"/> as the API, so every page and command checks scopes
/// with the same code; POSTs must come from this origin and carry the session's anti-forgery token.
/// </summary>
internal sealed class DashboardGate(DashboardSessions sessions, KeyCache keys, TimeProvider time)
{
    public const string CsrfField = "_csrf";

    public Task InvokeAsync(HttpContext context, RequestDelegate next) =>
        DashboardRoutes.Owns(context.Request.Path) ? GateAsync(context) : next(context);

    private async Task GateAsync(HttpContext context)
    {
        SecurityHeaders.Apply(context.Response);
        var endpoint = context.GetEndpoint()?.RequestDelegate;
        if (endpoint is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var post = HttpMethods.IsPost(context.Request.Method);
        if (post && !SameOrigin(context.Request))
        {
            await DashboardHtml.ForbiddenAsync(context, "This request did not come from the dashboard's own pages.");
            return;
        }
        var path = context.Request.Path;
        if (!DashboardRoutes.IsAnonymous(path))
        {
            var session = sessions.Find(context.Request.Cookies[DashboardSessions.CookieName]);
            var grant = session is null ? null : await keys.FindAsync(session.Secret, context.RequestAborted);
            if (session is null || grant is null || !IsLive(grant, time))
            {
                await SignedOutAsync(context, path, post);
                return;
            }
            if (post)
            {
                var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
                if (!session.CsrfMatches(form?[CsrfField].ToString()))
                {
                    await DashboardHtml.ForbiddenAsync(context, "The form's anti-forgery token is missing or wrong: reload the page and try again.");
                    return;
                }
            }
            context.Features.Set(grant);
            context.Features.Set(session);
        }
        await endpoint(context);
    }

    /// <summary>An expired key ends its sessions, as it ends its bearer use.</summary>
    public static bool IsLive(KeyGrant grant, TimeProvider time) => time.GetUtcNow().UtcTicks < grant.ExpiresAtTicks;

    private Task SignedOutAsync(HttpContext context, PathString path, bool post)
    {
        sessions.Remove(context.Request.Cookies[DashboardSessions.CookieName]);
        context.Response.Cookies.Delete(DashboardSessions.CookieName);
        if (post)
            return DashboardHtml.ForbiddenAsync(context, "You are signed out: sign in again.");
        if (DashboardRoutes.IsData(path))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }
        context.Response.Redirect(DashboardRoutes.Login);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Browsers send Origin on every POST; a cross-site form (or a page on another port) names a different
    /// origin. SameSite=Strict and the token already stop it; this refuses it before the form is even read.
    /// </summary>
    private static bool SameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        // Chromium sends "Origin: null" under some referrer policies; Sec-Fetch-Site then tells.
        if (origin.Length == 0 || origin == "null")
            return request.Headers["Sec-Fetch-Site"].ToString() is "same-origin" || (origin.Length == 0 && request.Headers["Sec-Fetch-Site"].Count == 0);
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
