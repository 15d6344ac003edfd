using System.Globalization;
using System.Text.Json;
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
/// <c>POST /v1/jobs:retry</c> and <c>POST /v1/jobs:purge</c>: dead letters in bulk, selected by
/// function, error kind and failure time, from a JSON body or the query string. Both act on many
/// jobs at once, so they need the deploy scope (an operator's right), and a key limited to a
/// namespace must name a function in it.
/// </summary>
internal sealed class DeadLetterEndpoints(IDeadLetters? deadLetters, EndedJobPurge endedJobs, TimeProvider time, ILogger<DeadLetterEndpoints> logger)
{
    private const long MaxBodyBytes = 64 * 1024;

    public Task RetryAsync(HttpContext context) => RunAsync(context, retry: true);

    public Task PurgeAsync(HttpContext context) => RunAsync(context, retry: false);

    private async Task RunAsync(HttpContext context, bool retry)
    {
        var ct = context.RequestAborted;
        if (Access.Deny(context, Scope.Deploy, null) is { } unauthorized)
        {
            await unauthorized;
            return;
        }
        var (fields, error) = await ReadFieldsAsync(context, ct);
        if (fields is not null && !retry && (fields.Status is not null || fields.Before is not null))
        {
            await endedJobs.PurgeAsync(context, fields);
            return;
        }
        var (filter, parseError) = fields is null ? (null, error) : Parse(fields.Function, fields.ErrorKind, fields.Since, time.GetUtcNow());
        error = parseError;
        if (filter is null)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, error!);
            return;
        }
        if (await MoveAsync(context, filter, retry) is not { } count)
            return;
        var answer = retry ? new DeadLetterAnswer { Retried = count } : new DeadLetterAnswer { Purged = count };
        await context.Response.WriteJsonAsync(answer, GatewayJsonContext.Default.DeadLetterAnswer, cancellationToken: ct);
    }

    /// <summary>The store the bulk commands move through, for the dashboard's counts (null: this backend has none).</summary>
    public IDeadLetters? Store => deadLetters;

    /// <summary>
    /// The namespace check and the move, shared by the API and the dashboard (after their deploy
    /// check): how many jobs moved, or null when refused (the 403 or 501 is already written).
    /// </summary>
    public async Task<long?> MoveAsync(HttpContext context, DeadLetterFilter filter, bool retry)
    {
        var denied = filter.Function is null ? Access.DenyUnlessAllNamespaces(context, Scope.Deploy) : Access.Deny(context, Scope.Deploy, filter.Function);
        if (denied is not null)
        {
            await denied;
            return null;
        }
        if (deadLetters is null)
        {
            await Problem.WriteAsync(context, ProblemType.NotImplemented, "this store does not offer dead letters in bulk (IDeadLetters)");
            return null;
        }

        var ct = context.RequestAborted;
        var count = retry
            ? await deadLetters.RetryDeadLettersAsync(filter, ct)
            : await deadLetters.PurgeDeadLettersAsync(filter, ct);
        GatewayLog.DeadLetters(logger, retry ? "retried" : "purged", count, filter.Function ?? "*");
        return count;
    }

    /// <summary>The filter's fields from the JSON body when there is one, else from the query string.</summary>
    private static async Task<(DeadLetterFilterBody? Fields, string? Error)> ReadFieldsAsync(HttpContext context, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, ct);
        if (body is null)
            return (null, "the filter body is too large");
        if (body.Length == 0)
        {
            var q = context.Request.Query;
            return (new DeadLetterFilterBody { Function = q["function"], ErrorKind = q["errorKind"], Since = q["since"], Status = q["status"], Before = q["before"] }, null);
        }
        try
        {
            return JsonSerializer.Deserialize(body, GatewayJsonContext.Default.DeadLetterFilterBody) is { } parsed
                ? (parsed, null)
                : (null, "the body must be a JSON object with function, errorKind and since");
        }
        catch (JsonException e)
        {
            return (null, "the body must be a JSON object with function, errorKind and since: " + e.Message);
        }
    }

    internal static (DeadLetterFilter? Filter, string? Error) Parse(string? function, string? kind, string? since, DateTimeOffset now)
    {
        function = string.IsNullOrEmpty(function) ? null : function;
        if (function is not null && !FunctionSpec.IsValidName(function))
            return (null, $"function '{function}' is not a valid function name");

        ErrorKind? errorKind = null;
        if (!string.IsNullOrEmpty(kind))
        {
            // Only the wire names (lower case): enum parsing alone would also take "3" or "EXIT".
            if (!Enum.TryParse<ErrorKind>(kind, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || kind != parsed.ToString().ToLowerInvariant())
                return (null, "errorKind must be exit, exception, timeout, crash, memory, expired or canceled");
            errorKind = parsed;
        }

        DateTimeOffset? from = null;
        if (!string.IsNullOrEmpty(since))
        {
            // An RFC 3339 time, or a duration back from now ("24h": failed in the last day).
            if (Quantity.TryParseDuration(since, out var ago))
                from = now - ago;
            else if (since.Contains('T', StringComparison.OrdinalIgnoreCase)
                && DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                from = at.ToUniversalTime();
            else
                return (null, "since must be an RFC 3339 time like 2030-01-01T12:00:00Z or a duration like 24h");
        }
        return (new DeadLetterFilter(function, errorKind, from), null);
    }
}
