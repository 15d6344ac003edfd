using System.Globalization;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Intake;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/functions/{name}/invoke</c>: runs one job while the caller waits. The job is a
/// normal queued job with <see cref="NewJob.Sync"/> (no 202 promise, so no fsync needed before
/// it may start) and a single attempt: the caller, not the platform, decides whether to retry.
/// </summary>
internal sealed class InvokeEndpoints(
    JobIntake intake,
    IJobStore jobs,
    GatewayOptions options,
    TimeProvider time,
    ILogger<InvokeEndpoints> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Invoke) is not { } name)
            return;
        if (!await intake.FunctionExistsAsync(context, name))
            return;
        if (await intake.ReadBodyAsync(context, name, "payload") is not { } payload)
            return;

        var id = JobId.New();
        using var trace = IntakeTrace.Start(context, name);
        trace.Job(id);
        // Watch before enqueueing: the end cannot slip by unseen, and it arrives with the result.
        using var watch = jobs.WatchEnd(id);
        var outcome = await intake.SubmitAsync(new IntakeRequest
        {
            Function = name,
            Payloads = [payload],
            ContentType = context.Request.ContentType,
            Sync = true,
            JobId = id,
            Trace = trace.Packed,
        }, ct);
        if (outcome.Refusal is { } refusal)
        {
            await IntakeHttp.WriteAsync(context, refusal);
            return;
        }
        context.Response.Headers["X-Fjord-Job-Id"] = id;
        var timeout = outcome.Spec!.Timeout;

        using var deadline = new CancellationTokenSource(timeout + options.SyncInvokeGrace, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, ct);
        JobEnd? end;
        try
        {
            end = await watch.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested || ct.IsCancellationRequested)
        {
            await AbandonAsync(id);
            if (ct.IsCancellationRequested)
                return;
            await WriteAsync(context, id, ProblemType.Timeout, $"no result within {Quantity(timeout + options.SyncInvokeGrace)}", null);
            return;
        }

        switch (end?.Status)
        {
            case JobStatus.Succeeded:
                var result = end.Result;
                context.Response.StatusCode = StatusCodes.Status200OK;
                ResultHeaders.Apply(context.Response);
                context.Response.ContentType = result?.ContentType ?? "application/octet-stream";
                context.Response.ContentLength = result?.Body.Length ?? 0;
                if (result is { Body.Length: > 0 })
                    await context.Response.Body.WriteAsync(result.Body, ct);
                return;
            case JobStatus.Failed:
                var error = end.Error;
                var type = error?.Kind == ErrorKind.Timeout ? ProblemType.Timeout : ProblemType.FunctionFailed;
                await WriteAsync(context, id, type, error is null ? "the function failed" : $"{error.KindName}: {error.Message}", error);
                return;
            case JobStatus.Canceled:
                await WriteAsync(context, id, ProblemType.WrongState, "the job was canceled before it finished", null);
                return;
            default:
                await WriteAsync(context, id, ProblemType.Internal, "the job disappeared while it was awaited", null);
                return;
        }
    }

    /// <summary>
    /// Nobody waits for the answer any more: cancel the job, so an abandoned call does not run
    /// later behind the caller's back, nor keep a process busy for nobody (a running job is
    /// killed by its worker). Best effort.
    /// </summary>
    private async Task AbandonAsync(string id)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            await jobs.CancelAsync(id, cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or StoreUnavailableException)
        {
            GatewayLog.JobCommand(logger, id, "could not be canceled after its caller left");
        }
    }

    private static Task WriteAsync(HttpContext context, string id, ProblemType type, string detail, JobError? error) =>
        Problem.WriteAsync(context, new ProblemBody
        {
            Type = type.Uri,
            Title = type.Title,
            Status = type.Status,
            Detail = detail,
            JobId = id,
            Kind = error?.KindName,
            Message = error?.Message,
            ExitCode = error?.ExitCode,
        });

    private static string Quantity(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
