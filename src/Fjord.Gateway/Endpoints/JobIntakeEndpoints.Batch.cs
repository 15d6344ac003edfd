using Fjord.Gateway.Auth;
using Fjord.Gateway.Intake;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/functions/{name}/jobs:batch</c>: many payloads, one intake request, so the store
/// commits all of them or none (a batch larger than the room left in the queue is refused whole
/// with 429, nothing stored).
/// </summary>
internal sealed partial class JobIntakeEndpoints
{
    public async Task AcceptBatchAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Invoke) is not { } name)
            return;
        if (await HeadersAsync(context, name) is not { } headers)
            return;
        if (headers.IdempotencyKey is not null)
        {
            await intake.RefuseAsync(context, name, IntakeRefusalKind.Invalid, "bad_header", "Idempotency-Key applies to single jobs, not to batches");
            return;
        }
        if (await intake.ReadBodyAsync(context, name, "batch") is not { } body)
            return;
        var payloads = new List<ReadOnlyMemory<byte>>();
        switch (BatchPayloads.TrySplit(body, intake.MaxBatchCount, payloads, out var error))
        {
            case BatchPayloads.Outcome.TooMany:
                await intake.RefuseAsync(context, name, IntakeRefusalKind.TooLarge, "too_large", error!);
                return;
            case BatchPayloads.Outcome.Invalid:
                await intake.RefuseAsync(context, name, IntakeRefusalKind.Invalid, "bad_body", error!);
                return;
        }

        using var trace = IntakeTrace.Start(context, name);
        var outcome = await intake.SubmitAsync(new IntakeRequest
        {
            Function = name,
            Payloads = payloads,
            ContentType = "application/json",
            RunAt = headers.RunAt,
            CallbackUrl = headers.CallbackUrl,
            Trace = trace.Packed,
        }, ct);
        if (outcome.Refusal is { } refusal)
        {
            await IntakeHttp.WriteAsync(context, refusal);
            return;
        }

        var ids = new string[outcome.Jobs.Count];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = outcome.Jobs[i].Id;
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteJsonAsync(new BatchAccepted { Ids = ids }, GatewayJsonContext.Default.BatchAccepted, cancellationToken: ct);
    }
}
