using Fjord.Gateway.Auth;
using Fjord.Gateway.Intake;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/functions/{name}/jobs</c>: the hot path. One cached key check, one cached function
/// lookup, one body allocation, one enqueue through <see cref="JobIntake"/> (which the store
/// group-commits with its neighbours). The 202 is written only after intake answered accepted,
/// i.e. after the job is durable; a refusal becomes its problem+json (429, 503, ...).
/// </summary>
internal sealed partial class JobIntakeEndpoints(JobIntake intake)
{
    public async Task AcceptAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        if (await Route.AuthorizedFunctionAsync(context, Scope.Invoke) is not { } name)
            return;
        if (await HeadersAsync(context, name) is not { } headers)
            return;
        if (await intake.ReadBodyAsync(context, name, "payload") is not { } payload)
            return;

        using var trace = IntakeTrace.Start(context, name);
        var outcome = await intake.SubmitAsync(new IntakeRequest
        {
            Function = name,
            Payloads = [payload],
            ContentType = context.Request.ContentType,
            RunAt = headers.RunAt,
            IdempotencyKey = headers.IdempotencyKey,
            CallbackUrl = headers.CallbackUrl,
            Trace = trace.Packed,
        }, ct);
        if (outcome.Refusal is { } refusal)
        {
            await IntakeHttp.WriteAsync(context, refusal);
            return;
        }

        var enqueued = outcome.Jobs[0];
        trace.Job(enqueued.Id);
        var response = context.Response;
        response.StatusCode = enqueued.Existing ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;
        response.Headers.Location = "/v1/jobs/" + enqueued.Id;
        var body = new AcceptedJob { Id = enqueued.Id, Status = outcome.Scheduled ? "scheduled" : "queued", Function = name };
        await response.WriteJsonAsync(body, GatewayJsonContext.Default.AcceptedJob, cancellationToken: ct);
    }

    /// <summary>The steps before the body: the function exists, the intake headers parse. Null when a refusal was written.</summary>
    private async Task<IntakeHeaders?> HeadersAsync(HttpContext context, string name)
    {
        if (!await intake.FunctionExistsAsync(context, name))
            return null;
        if (IntakeHeaders.TryParse(context.Request.Headers, intake.Time.GetUtcNow(), out var headers, out var headerError))
            return headers;
        await intake.RefuseAsync(context, name, IntakeRefusalKind.Invalid, "bad_header", headerError!);
        return null;
    }
}
