using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>GET /v1/jobs?function=&amp;status=&amp;errorKind=&amp;since=&amp;limit=&amp;cursor=</c>, newest first. A key limited to a
/// namespace must name a function in it: the store cannot filter by namespace, and filtering a
/// page after the fact would make pages shrink unpredictably.
/// </summary>
internal sealed class JobListEndpoints(IJobStore jobs, TimeProvider time)
{
    private const int MaxLimit = 1000;
    private const int MaxCursorLength = 512;

    public async Task ListAsync(HttpContext context)
    {
        var (query, error) = Parse(context.Request.Query, time.GetUtcNow());
        if (query is null)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, error!);
            return;
        }
        var denied = query.Function is null ? Access.DenyUnlessAllNamespaces(context, Scope.Read) : Access.Deny(context, Scope.Read, query.Function);
        if (denied is not null)
        {
            await denied;
            return;
        }

        JobPage page;
        try
        {
            page = await jobs.ListJobsAsync(query, context.RequestAborted);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, "cursor is not one this server handed out");
            return;
        }
        var items = new JobView[page.Items.Count];
        for (var i = 0; i < items.Length; i++)
            items[i] = JobView.From(page.Items[i]);
        await context.Response.WriteJsonAsync(new JobList { Items = items, Next = page.Next }, GatewayJsonContext.Default.JobList, cancellationToken: context.RequestAborted);
    }

    /// <summary>
    /// <c>function</c>, <c>status</c>, <c>errorKind</c>, <c>since</c> (RFC 3339 or a duration back
    /// from <paramref name="now"/>: created at or after), <c>limit</c> and <c>cursor</c>, as the
    /// API and the dashboard's <c>/jobs</c> both take them. Null with the reason when one is wrong.
    /// </summary>
    internal static (JobQuery? Query, string? Error) Parse(IQueryCollection q, DateTimeOffset now, int defaultLimit = 50)
    {
        string? statusText = q["status"];
        string? limitText = q["limit"];
        string? cursor = q["cursor"];
        var (filter, error) = DeadLetterEndpoints.Parse(q["function"], q["errorKind"], q["since"], now);
        if (filter is null)
            return (null, error);
        JobStatus? status = null;
        if (statusText is { Length: > 0 })
        {
            if (!JobStatusNames.TryParse(statusText, out var parsed) || !IsWireName(statusText))
                return (null, "status must be queued, scheduled, running, succeeded, failed or canceled");
            status = parsed;
        }
        var limit = defaultLimit;
        if (limitText is { Length: > 0 } && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            return (null, $"limit must be a whole number from 1 to {MaxLimit}");
        if (cursor is { Length: > MaxCursorLength })
            return (null, "cursor is not one this server handed out");
        return (new JobQuery(filter.Function, status, limit, cursor is { Length: > 0 } ? cursor : null, filter.ErrorKind, filter.Since), null);
    }

    // Enum parsing also accepts numbers ("3") and other casings; the API speaks only the wire names.
    private static bool IsWireName(string text) => text is "queued" or "scheduled" or "running" or "succeeded" or "failed" or "canceled";
}
