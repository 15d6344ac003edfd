using Fjord.Gateway.Intake;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>The HTTP edge of <see cref="JobIntake"/>: its refusals as problem+json, and the steps before a body is handed over.</summary>
internal static class IntakeHttp
{
    /// <summary>Writes a refusal (already counted by intake) as problem+json.</summary>
    public static Task WriteAsync(HttpContext context, IntakeRefusal refusal) => refusal.Kind switch
    {
        IntakeRefusalKind.UnknownFunction => Problem.WriteAsync(context, ProblemType.UnknownFunction, refusal.Detail),
        IntakeRefusalKind.QueueFull => Problem.WriteRetryAfterAsync(context, ProblemType.QueueFull, refusal.Detail, RetryAfter.Seconds(refusal.RetryAfter ?? TimeSpan.FromSeconds(1))),
        IntakeRefusalKind.StoreUnavailable => Problem.WriteAsync(context, ProblemType.StoreUnavailable, refusal.Detail),
        IntakeRefusalKind.TooLarge => Problem.WriteAsync(context, ProblemType.TooLarge, refusal.Detail),
        // HTTP intake never asks to be refused while paused; should it, the function's state is the conflict.
        IntakeRefusalKind.Paused => Problem.WriteAsync(context, ProblemType.WrongState, refusal.Detail),
        _ => Problem.WriteAsync(context, ProblemType.InvalidRequest, refusal.Detail),
    };

    /// <summary>Counts a refusal made at the edge and writes it.</summary>
    public static Task RefuseAsync(this JobIntake intake, HttpContext context, string? function, IntakeRefusalKind kind, string reason, string detail) =>
        WriteAsync(context, intake.Refuse(function, kind, reason, detail).Refusal!);

    /// <summary>True when the function exists; else the 404 has been written (and counted).</summary>
    public static async Task<bool> FunctionExistsAsync(this JobIntake intake, HttpContext context, string name)
    {
        if (await intake.CheckFunctionAsync(name, context.RequestAborted) is not { Refusal: { } refusal })
            return true;
        await WriteAsync(context, refusal);
        return false;
    }

    /// <summary>The request body, or null when it is larger than intake accepts (413 written and counted).</summary>
    public static async Task<byte[]?> ReadBodyAsync(this JobIntake intake, HttpContext context, string name, string what)
    {
        var body = await RequestBody.ReadAsync(context.Request, intake.MaxPayloadBytes, context.RequestAborted);
        if (body is null)
            await intake.RefuseAsync(context, name, IntakeRefusalKind.TooLarge, "too_large", $"the {what} is larger than {intake.MaxPayloadBytes} bytes");
        return body;
    }
}
