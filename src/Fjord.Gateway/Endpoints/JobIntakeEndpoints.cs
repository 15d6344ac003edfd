using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Callbacks;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Json;
using Fjord.Gateway.Metrics;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/functions/{name}/jobs</c>: the hot path. One cached key check, one cached function
/// lookup, one body allocation, one enqueue (which the store group-commits with its neighbours).
/// The 202 is written only after <see cref="IJobQueue.EnqueueAsync"/> completed, i.e. after the
/// job is durable; any failure to confirm surfaces as an exception and becomes 429 or 503.
/// </summary>
internal sealed partial class JobIntakeEndpoints(
    IJobQueue queue,
    FunctionCache functions,
    CallbackTargets callbacks,
    GatewayOptions options,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<JobIntakeEndpoints> logger)
{
    public async Task AcceptAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Invoke) is not { } name)
            return;
        // The function first: metrics label only functions that exist (a name from the URL would
        // let any invoke key mint label series), and every refusal below is about a real one.
        var state = await functions.GetAsync(name, ct);
        if (state is null)
        {
            await RejectAsync(context, null, "unknown_function", ProblemType.UnknownFunction, $"there is no function '{name}'");
            return;
        }
        var now = time.GetUtcNow();
        if (!IntakeHeaders.TryParse(context.Request.Headers, now, out var headers, out var headerError))
        {
            await RejectAsync(context, name, "bad_header", ProblemType.InvalidRequest, headerError!);
            return;
        }
        if (await CallbackRefusalAsync(headers, ct) is { } refusal)
        {
            await RejectAsync(context, name, "bad_callback", ProblemType.InvalidRequest, refusal);
            return;
        }
        var payload = await RequestBody.ReadAsync(context.Request, options.MaxBodyBytes, ct);
        if (payload is null)
        {
            await RejectAsync(context, name, "too_large", ProblemType.TooLarge, $"the payload is larger than {options.MaxBodyBytes} bytes");
            return;
        }

        var scheduled = headers.IsScheduled(now);
        using var trace = IntakeTrace.Start(context, name);
        var job = new NewJob
        {
            Id = JobId.New(),
            Function = name,
            Payload = payload,
            ContentType = context.Request.ContentType,
            MaxAttempts = state.Spec.MaxAttempts,
            CreatedAt = now,
            RunAt = scheduled ? headers.RunAt : null,
            IdempotencyKey = headers.IdempotencyKey,
            CallbackUrl = headers.CallbackUrl,
            Trace = trace.Packed,
        };
        trace.Job(job.Id);

        IReadOnlyList<EnqueuedJob> stored;
        try
        {
            stored = await queue.EnqueueAsync([job], ct);
        }
        catch (QueueFullException e)
        {
            await QueueFullAsync(context, name, e);
            return;
        }

        var enqueued = stored[0];
        if (!enqueued.Existing)
            metrics.Accepted(name, 1);
        GatewayLog.JobsAccepted(logger, name, 1);
        var response = context.Response;
        response.StatusCode = enqueued.Existing ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;
        response.Headers.Location = "/v1/jobs/" + enqueued.Id;
        var body = new AcceptedJob { Id = enqueued.Id, Status = scheduled ? "scheduled" : "queued", Function = name };
        await response.WriteJsonAsync(body, GatewayJsonContext.Default.AcceptedJob, cancellationToken: ct);
    }

    /// <summary>Counts and answers a refusal; <paramref name="function"/> is null when no such function exists.</summary>
    internal Task RejectAsync(HttpContext context, string? function, string reason, ProblemType type, string detail)
    {
        metrics.Rejected(function, reason);
        GatewayLog.IntakeRefused(logger, function ?? "(unknown function)", reason);
        return Problem.WriteAsync(context, type, detail);
    }

    /// <summary>Null when the job has no callback or its URL may be called; else why not (400).</summary>
    internal Task<string?> CallbackRefusalAsync(IntakeHeaders headers, CancellationToken ct) =>
        headers.CallbackUrl is { } url ? callbacks.RefusalAsync(new Uri(url, UriKind.Absolute), ct) : Task.FromResult<string?>(null);

    internal Task QueueFullAsync(HttpContext context, string function, QueueFullException e)
    {
        var seconds = RetryAfter.Seconds(e.RetryAfter);
        metrics.Rejected(function, "queue_full");
        GatewayLog.IntakeRefused(logger, function, "queue_full");
        return Problem.WriteRetryAfterAsync(context, ProblemType.QueueFull, $"the queue of '{function}' is at its maxQueueDepth; retry after {seconds}s", seconds);
    }
}
