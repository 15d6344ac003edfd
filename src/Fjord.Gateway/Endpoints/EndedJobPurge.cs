using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/jobs:purge</c> with <c>status</c> and <c>before</c>: retention's one-off form
/// (<c>fjord jobs purge --status succeeded --before 7d</c>). It deletes ended jobs of every
/// namespace with their payloads and results, so it needs the admin scope.
/// </summary>
internal sealed class EndedJobPurge(IJobRetention? retention, TimeProvider time, ILogger<EndedJobPurge> logger)
{
    public async Task PurgeAsync(HttpContext context, DeadLetterFilterBody fields)
    {
        if (Access.Deny(context, Scope.Admin, null) is { } denied)
        {
            await denied;
            return;
        }
        var (function, status, before, error) = Parse(fields, time.GetUtcNow());
        if (error is not null)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, error);
            return;
        }
        if (retention is null)
        {
            await Problem.WriteAsync(context, ProblemType.NotImplemented, "this store does not delete ended jobs (IJobRetention)");
            return;
        }
        var count = await RetentionChunks.DeleteAllAsync(retention, function, status, before, TimeSpan.Zero, context.RequestAborted);
        GatewayLog.DeadLetters(logger, $"deleted ({status.ToWire()})", count, function ?? "*");
        await context.Response.WriteJsonAsync(new DeadLetterAnswer { Purged = count }, GatewayJsonContext.Default.DeadLetterAnswer, cancellationToken: context.RequestAborted);
    }

    internal static (string? Function, JobStatus Status, DateTimeOffset Before, string? Error) Parse(DeadLetterFilterBody fields, DateTimeOffset now)
    {
        var function = string.IsNullOrEmpty(fields.Function) ? null : fields.Function;
        if (function is not null && !FunctionSpec.IsValidName(function))
            return (null, default, default, $"function '{function}' is not a valid function name");
        if (fields.ErrorKind is { Length: > 0 } || fields.Since is { Length: > 0 })
            return (null, default, default, "status and before select ended jobs; errorKind and since select dead letters: not both");
        if (!JobStatusNames.TryParse(fields.Status, out var status) || !status.IsTerminal() || fields.Status != status.ToWire())
            return (null, default, default, "status must be succeeded, failed or canceled (only ended jobs are deleted)");
        if (!Quantity.TryParseDuration(fields.Before, out var age) || age < TimeSpan.Zero || age > Retention.Max)
            return (null, default, default, "before must be a duration back from now, like 7d or 12h");
        return (function, status, now - age, null);
    }
}
