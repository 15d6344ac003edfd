using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>/v1/jobs/{id}</c>: the record, its result and its log. A job is loaded before the namespace
/// check because only the record says which function (hence namespace) it belongs to.
/// </summary>
internal sealed partial class JobEndpoints(IJobStore jobs, JobLogs logs, Microsoft.Extensions.Logging.ILogger<JobEndpoints> logger, IJobRetention? retention = null)
{
    public async Task GetAsync(HttpContext context)
    {
        if (await LoadAsync(context, Scope.Read) is { } job)
            await context.Response.WriteJsonAsync(JobView.From(job), GatewayJsonContext.Default.JobView, cancellationToken: context.RequestAborted);
    }

    public async Task ResultAsync(HttpContext context)
    {
        if (await LoadAsync(context, Scope.Read) is not { } job)
            return;
        var detail = job.Status switch
        {
            JobStatus.Succeeded => null,
            JobStatus.Failed => "the job failed; it has no result (see its error and logs)",
            JobStatus.Canceled => "the job was canceled; it has no result",
            _ => $"the job is {job.Status.ToWire()}, not finished yet",
        };
        if (detail is not null)
        {
            await Problem.WriteAsync(context, ProblemType.NotFinished, detail);
            return;
        }
        var ct = context.RequestAborted;
        var result = await jobs.GetResultAsync(job.Id, ct);
        var response = context.Response;
        ResultHeaders.Apply(response);
        response.ContentType = result?.ContentType ?? job.ResultContentType ?? "application/octet-stream";
        response.ContentLength = result?.Body.Length ?? 0;
        if (result is { Body.Length: > 0 })
            await response.Body.WriteAsync(result.Body, ct);
    }

    public async Task LogsAsync(HttpContext context)
    {
        if (await LoadAsync(context, Scope.Read) is not { } job)
            return;
        if (await logs.TryServeAsync(context, job))
            return;
        var log = await jobs.GetLogAsync(job.Id, context.RequestAborted) ?? "";
        ResultHeaders.Apply(context.Response);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(log, context.RequestAborted);
    }

    /// <summary>The job named by the route, when it exists and the key may act on it with <paramref name="scope"/>; else null with the problem written.</summary>
    private async Task<JobRecord?> LoadAsync(HttpContext context, Scope scope)
    {
        if (!Route.TryJob(context, out var id))
        {
            await Route.InvalidJob(context);
            return null;
        }
        if (Access.Deny(context, scope, null) is { } denied)
        {
            await denied;
            return null;
        }
        var job = await jobs.GetJobAsync(id, context.RequestAborted);
        if (job is null)
        {
            // Only on the 404 path: one read of the tombstone (see IJobRetention.WasDeletedAsync).
            if (retention is not null && await retention.WasDeletedAsync(id, context.RequestAborted))
                await Problem.WriteAsync(context, ProblemType.JobExpired, $"job '{id}' is gone: it ended and was deleted under retention (or by a purge); its record, payload, result and logs are no longer kept");
            else
                await Problem.WriteAsync(context, ProblemType.UnknownJob, $"there is no job '{id}'");
            return null;
        }
        if (Access.Deny(context, scope, job.Function) is { } outside)
        {
            await outside;
            return null;
        }
        return job;
    }
}
