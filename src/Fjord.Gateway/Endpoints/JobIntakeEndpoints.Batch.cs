using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/functions/{name}/jobs:batch</c>: many payloads, one <see cref="IJobQueue.EnqueueAsync"/>
/// call, so the store commits all of them or none (a batch larger than the room left in the
/// queue is refused whole with 429, nothing stored).
/// </summary>
internal sealed partial class JobIntakeEndpoints
{
    public async Task AcceptBatchAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Invoke) is not { } name)
            return;
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
        if (headers.IdempotencyKey is not null)
        {
            await RejectAsync(context, name, "bad_header", ProblemType.InvalidRequest, "Idempotency-Key applies to single jobs, not to batches");
            return;
        }
        if (await CallbackRefusalAsync(headers, ct) is { } refusal)
        {
            await RejectAsync(context, name, "bad_callback", ProblemType.InvalidRequest, refusal);
            return;
        }
        var body = await RequestBody.ReadAsync(context.Request, options.MaxBodyBytes, ct);
        if (body is null)
        {
            await RejectAsync(context, name, "too_large", ProblemType.TooLarge, $"the batch is larger than {options.MaxBodyBytes} bytes");
            return;
        }
        var payloads = new List<ReadOnlyMemory<byte>>();
        switch (BatchPayloads.TrySplit(body, options.MaxBatchCount, payloads, out var error))
        {
            case BatchPayloads.Outcome.TooMany:
                await RejectAsync(context, name, "too_large", ProblemType.TooLarge, error!);
                return;
            case BatchPayloads.Outcome.Invalid:
                await RejectAsync(context, name, "bad_body", ProblemType.InvalidRequest, error!);
                return;
        }

        var scheduled = headers.IsScheduled(now);
        using var trace = IntakeTrace.Start(context, name);
        var jobs = new NewJob[payloads.Count];
        for (var i = 0; i < jobs.Length; i++)
        {
            jobs[i] = new NewJob
            {
                Id = JobId.New(),
                Function = name,
                Payload = payloads[i],
                ContentType = "application/json",
                MaxAttempts = state.Spec.MaxAttempts,
                CreatedAt = now,
                RunAt = scheduled ? headers.RunAt : null,
                CallbackUrl = headers.CallbackUrl,
                Trace = trace.Packed,
            };
        }

        IReadOnlyList<EnqueuedJob> stored;
        try
        {
            stored = await queue.EnqueueAsync(jobs, ct);
        }
        catch (QueueFullException e)
        {
            await QueueFullAsync(context, name, e);
            return;
        }

        var ids = new string[stored.Count];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = stored[i].Id;
        metrics.Accepted(name, ids.Length);
        GatewayLog.JobsAccepted(logger, name, ids.Length);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteJsonAsync(new BatchAccepted { Ids = ids }, GatewayJsonContext.Default.BatchAccepted, cancellationToken: ct);
    }
}
