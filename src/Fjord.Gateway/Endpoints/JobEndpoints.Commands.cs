using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// Retry (a dead letter back to the queue, 202) and cancel (200): a queued or scheduled job never
/// runs; a running one is recorded canceled at once and its process killed by its worker.
/// </summary>
internal sealed partial class JobEndpoints
{
    public async Task RetryAsync(HttpContext context)
    {
        if (await LoadAsync(context, Scope.Invoke) is not { } job)
            return;
        var result = await RetryJobAsync(job.Id, context.RequestAborted);
        await AnswerAsync(context, job.Id, result, StatusCodes.Status202Accepted, "only a failed job can be retried");
    }

    public async Task CancelAsync(HttpContext context)
    {
        if (await LoadAsync(context, Scope.Invoke) is not { } job)
            return;
        var result = await CancelJobAsync(job.Id, context.RequestAborted);
        await AnswerAsync(context, job.Id, result, StatusCodes.Status200OK, "a finished job cannot be canceled");
    }

    /// <summary>The retry itself, for this API and the dashboard's button (the caller has checked the invoke scope on the job's function).</summary>
    internal async Task<JobCommandResult> RetryJobAsync(string id, CancellationToken ct)
    {
        var result = await jobs.RetryAsync(id, ct);
        if (result == JobCommandResult.Done)
            GatewayLog.JobCommand(logger, id, "retried");
        return result;
    }

    /// <summary>The cancel itself, for this API and the dashboard's button (the caller has checked the invoke scope on the job's function).</summary>
    internal async Task<JobCommandResult> CancelJobAsync(string id, CancellationToken ct)
    {
        var result = await jobs.CancelAsync(id, ct);
        if (result == JobCommandResult.Done)
            GatewayLog.JobCommand(logger, id, "canceled");
        return result;
    }

    private async Task AnswerAsync(HttpContext context, string id, JobCommandResult result, int status, string wrongState)
    {
        var ct = context.RequestAborted;
        switch (result)
        {
            case JobCommandResult.NotFound:
                await Problem.WriteAsync(context, ProblemType.UnknownJob, $"there is no job '{id}'");
                return;
            case JobCommandResult.WrongState:
                var current = await jobs.GetJobAsync(id, ct);
                var now = current is null ? "" : $" (it is {Fjord.Core.Jobs.JobStatusNames.ToWire(current.Status)})";
                await Problem.WriteAsync(context, ProblemType.WrongState, wrongState + now);
                return;
        }
        var job = await jobs.GetJobAsync(id, ct);
        if (job is null)
        {
            await Problem.WriteAsync(context, ProblemType.UnknownJob, $"there is no job '{id}'");
            return;
        }
        context.Response.StatusCode = status;
        context.Response.Headers.Location = "/v1/jobs/" + id;
        await context.Response.WriteJsonAsync(JobView.From(job), GatewayJsonContext.Default.JobView, cancellationToken: ct);
    }
}
