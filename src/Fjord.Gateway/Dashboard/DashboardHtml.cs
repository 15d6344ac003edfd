using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// The page frame (head, navigation, sign-out form) and HTML encoding. Every value a page puts into
/// markup goes through <see cref="H(string?)"/>; nothing is inline script or style (the CSP forbids both).
/// </summary>
internal static class DashboardHtml
{
    public static string H(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string H(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A hidden field with the session's anti-forgery token, for every form that POSTs.</summary>
    public static string CsrfField(HttpContext context) =>
        context.Features.Get<DashboardSession>() is { } s
            ? $"""<input type="hidden" name="{DashboardGate.CsrfField}" value="{H(s.Csrf)}">"""
            : "";

    public static Task WritePageAsync(HttpContext context, string title, string body, int status = StatusCodes.Status200OK)
    {
        var signedIn = context.Features.Get<DashboardSession>() is not null;
        var nav = signedIn
            ? $$"""
              <nav aria-label="Main">
                {{NavLinks(context)}}
                <form method="post" action="{{DashboardRoutes.Logout}}" class="signout">{{CsrfField(context)}}<button type="submit">Sign out</button></form>
              </nav>
              """
            : "";
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{H(title)}} · Fjord</title>
            <link rel="stylesheet" href="{{DashboardRoutes.Assets}}/uPlot.min.css">
            <link rel="stylesheet" href="{{DashboardRoutes.Assets}}/dashboard.css">
            <link rel="stylesheet" href="{{DashboardRoutes.Assets}}/jobs.css">
            </head>
            <body>
            <header><a class="brand" href="{{DashboardRoutes.Overview}}">Fjord</a>{{nav}}</header>
            <main id="main">
            <h1>{{H(title)}}</h1>
            {{body}}
            </main>
            <script src="{{DashboardRoutes.Assets}}/uPlot.iife.min.js"></script>
            <script src="{{DashboardRoutes.Assets}}/dashboard.js"></script>
            <script src="{{DashboardRoutes.Assets}}/jobs.js"></script>
            <script src="{{DashboardRoutes.Assets}}/live.js"></script>
            </body>
            </html>
            """;
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static readonly (string Path, string Label)[] Pages =
    [
        (DashboardRoutes.Overview, "Overview"), (DashboardRoutes.Functions, "Functions"), (DashboardRoutes.Jobs, "Jobs"),
        (DashboardRoutes.DeadLetters, "Dead letters"), (DashboardRoutes.Nodes, "Nodes"), (DashboardRoutes.Schedules, "Schedules"),
        (DashboardRoutes.Keys, "Keys"),
    ];

    /// <summary>One link per page; the one being shown says so to screen readers (aria-current).</summary>
    private static string NavLinks(HttpContext context)
    {
        var current = context.Request.Path;
        // Keys is an admin's page: other keys are not offered a link to a page that would only refuse them.
        var admin = Fjord.Gateway.Auth.Access.Grant(context)?.Allows(Fjord.Gateway.Auth.Scope.Admin) == true;
        var links = new System.Text.StringBuilder();
        foreach (var (path, label) in Pages)
        {
            if (path == DashboardRoutes.Keys && !admin)
                continue;
            var here = path == DashboardRoutes.Overview ? current == path : current.StartsWithSegments(path);
            links.Append($"""<a href="{path}"{(here ? " aria-current=\"page\"" : "")}>{H(label)}</a>""");
        }
        return links.ToString();
    }

    public static Task ForbiddenAsync(HttpContext context, string message) =>
        WritePageAsync(context, "Not allowed", $"""<p class="error" role="alert">{H(message)}</p>""", StatusCodes.Status403Forbidden);
}
