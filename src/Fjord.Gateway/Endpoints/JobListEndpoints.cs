using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>GET /v1/jobs?function=&amp;status=&amp;limit=&amp;cursor=</c>, newest first. A key limited to a
/// namespace must name a function in it: the store cannot filter by namespace, and filtering a
/// page after the fact would make pages shrink unpredictably.
/// </summary>
internal sealed class JobListEndpoints(IJobStore jobs)
{
    private const int MaxLimit = 1000;
    private const int MaxCursorLength = 512;

    public async Task ListAsync(HttpContext context)
    {
        var q = context.Request.Query;
        string? function = q["function"];
        string? statusText = q["status"];
        string? limitText = q["limit"];
        string? cursor = q["cursor"];

        if (function is { Length: > 0 } && !FunctionSpec.IsValidName(function))
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, $"function '{function}' is not a valid function name");
            return;
        }
        JobStatus? status = null;
        if (statusText is { Length: > 0 })
        {
            if (!JobStatusNames.TryParse(statusText, out var parsed) || !IsWireName(statusText))
            {
                await Problem.WriteAsync(context, ProblemType.InvalidRequest, "status must be queued, scheduled, running, succeeded, failed or canceled");
                return;
            }
            status = parsed;
        }
        var limit = 50;
        if (limitText is { Length: > 0 } && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, $"limit must be a whole number from 1 to {MaxLimit}");
            return;
        }
        if (cursor is { Length: > MaxCursorLength })
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, "cursor is not one this server handed out");
            return;
        }
        function = function is { Length: > 0 } ? function : null;

        var denied = function is null ? Access.DenyUnlessAllNamespaces(context, Scope.Read) : Access.Deny(context, Scope.Read, function);
        if (denied is not null)
        {
            await denied;
            return;
        }

        JobPage page;
        try
        {
            page = await jobs.ListJobsAsync(new JobQuery(function, status, limit, cursor is { Length: > 0 } ? cursor : null), context.RequestAborted);
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

    // Enum parsing also accepts numbers ("3") and other casings; the API speaks only the wire names.
    private static bool IsWireName(string text) => text is "queued" or "scheduled" or "running" or "succeeded" or "failed" or "canceled";
}
