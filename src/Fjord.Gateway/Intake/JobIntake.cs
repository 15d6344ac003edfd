using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Gateway.Callbacks;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Metrics;
using Fjord.Gateway.Problems;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Intake;

/// <summary>
/// The one place that turns "these payloads for function F, with these options" into accepted
/// jobs: the single, batch and invoke endpoints and every trigger (schedules, queues) come here.
/// It checks the function (cached), the options and sizes, builds the <see cref="NewJob"/>s, and
/// calls <see cref="IJobQueue.EnqueueAsync"/>; when <see cref="SubmitAsync"/> answers accepted,
/// every job is durable (sync invocations excepted). Every refusal is counted in
/// <c>fjord_intake_rejected_total</c> by reason, whoever asked.
/// </summary>
internal sealed class JobIntake(
    IJobQueue queue,
    FunctionCache functions,
    CallbackTargets callbacks,
    GatewayOptions options,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<JobIntake> logger)
{
    /// <summary>The largest payload (or batch body) intake stores, in bytes.</summary>
    public long MaxPayloadBytes => options.MaxBodyBytes;

    public int MaxBatchCount => options.MaxBatchCount;

    public TimeProvider Time => time;

    /// <summary>Null when the function exists; else its (counted) refusal. For the HTTP edge, which asks before reading a body.</summary>
    public async ValueTask<IntakeOutcome?> CheckFunctionAsync(string name, CancellationToken cancellationToken) =>
        await functions.GetAsync(name, cancellationToken) is null ? UnknownFunction(name) : null;

    /// <summary>
    /// Stores every payload of <paramref name="request"/> as a job, or none. Refusals are values
    /// (<see cref="IntakeOutcome.Refusal"/>), counted and logged here; only cancellation throws.
    /// </summary>
    public async Task<IntakeOutcome> SubmitAsync(IntakeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Function;
        // The function first: metrics label only functions that exist (a name from a URL would
        // let any invoke key mint label series), and every refusal below is about a real one.
        var state = await functions.GetAsync(name, cancellationToken);
        if (state is null)
            return UnknownFunction(name);
        if (Invalid(request) is { } invalid)
            return invalid;
        if (request.RefuseWhenPaused && state.Paused)
            return Refuse(name, IntakeRefusalKind.Paused, "paused", $"'{name}' is paused");
        if (await CallbackRefusalAsync(request.CallbackUrl, cancellationToken) is { } callbackRefusal)
            return Refuse(name, IntakeRefusalKind.Invalid, "bad_callback", callbackRefusal);

        var now = time.GetUtcNow();
        var scheduled = request.RunAt is { } at && at > now;
        var trace = request.Trace ?? TraceContext.Pack(TraceContext.FromHeaders(null, null));
        var jobs = new NewJob[request.Payloads.Count];
        for (var i = 0; i < jobs.Length; i++)
        {
            jobs[i] = new NewJob
            {
                Id = request.JobId ?? JobId.New(),
                Function = name,
                Payload = request.Payloads[i],
                ContentType = request.ContentType,
                // A sync caller decides itself whether to try again.
                MaxAttempts = request.Sync ? 1 : state.Spec.MaxAttempts,
                CreatedAt = now,
                RunAt = scheduled ? request.RunAt : null,
                IdempotencyKey = request.IdempotencyKey,
                IdempotencyLifetime = request.IdempotencyLifetime,
                CallbackUrl = request.CallbackUrl,
                Trace = trace,
                Trigger = request.Trigger,
                Sync = request.Sync,
            };
        }

        IReadOnlyList<EnqueuedJob> stored;
        try
        {
            stored = await queue.EnqueueAsync(jobs, cancellationToken);
        }
        catch (QueueFullException e)
        {
            var seconds = RetryAfter.Seconds(e.RetryAfter);
            return Refuse(name, IntakeRefusalKind.QueueFull, "queue_full",
                $"the queue of '{name}' is at its maxQueueDepth; retry after {seconds}s", e.RetryAfter);
        }
        catch (PayloadTooLargeException e)
        {
            return Refuse(name, IntakeRefusalKind.TooLarge, "too_large", e.Message);
        }
        catch (StoreUnavailableException e)
        {
            IntakeLog.StoreUnavailable(logger, name, e);
            return Refuse(name, IntakeRefusalKind.StoreUnavailable, "store_unavailable", e.Message);
        }

        var fresh = 0;
        foreach (var job in stored)
        {
            if (!job.Existing)
                fresh++;
        }
        if (fresh > 0)
            metrics.Accepted(name, fresh);
        GatewayLog.JobsAccepted(logger, name, stored.Count);
        return new IntakeOutcome { Jobs = stored, Scheduled = scheduled, Spec = state.Spec };
    }

    /// <summary>Counts and logs a refusal made at the edge (a bad header, a body too large to read) or here.</summary>
    public IntakeOutcome Refuse(string? function, IntakeRefusalKind kind, string reason, string detail, TimeSpan? retryAfter = null)
    {
        metrics.Rejected(function, reason);
        GatewayLog.IntakeRefused(logger, function ?? "(unknown function)", reason);
        return IntakeOutcome.Refused(kind, reason, detail, retryAfter);
    }

    private IntakeOutcome UnknownFunction(string name) =>
        Refuse(null, IntakeRefusalKind.UnknownFunction, "unknown_function", $"there is no function '{name}'");

    /// <summary>The request's own shape: payload count and sizes, options that apply to single jobs only.</summary>
    private IntakeOutcome? Invalid(IntakeRequest request)
    {
        var name = request.Function;
        var count = request.Payloads.Count;
        if (count == 0)
            return Refuse(name, IntakeRefusalKind.Invalid, "bad_body", "the batch is empty");
        if (count > options.MaxBatchCount)
            return Refuse(name, IntakeRefusalKind.TooLarge, "too_large", $"a batch holds at most {options.MaxBatchCount} payloads");
        if (count > 1 && request.IdempotencyKey is not null)
            return Refuse(name, IntakeRefusalKind.Invalid, "bad_header", "Idempotency-Key applies to single jobs, not to batches");
        if (count > 1 && request.JobId is not null)
            throw new ArgumentException("a job id can be given to a single job only", nameof(request));
        long bytes = 0;
        foreach (var payload in request.Payloads)
            bytes += payload.Length;
        if (bytes > options.MaxBodyBytes)
            return Refuse(name, IntakeRefusalKind.TooLarge, "too_large", $"the {(count == 1 ? "payload" : "batch")} is larger than {options.MaxBodyBytes} bytes");
        return null;
    }

    /// <summary>Null when there is no callback or its URL may be called; else why not.</summary>
    private async Task<string?> CallbackRefusalAsync(string? url, CancellationToken cancellationToken)
    {
        if (url is null)
            return null;
        // HTTP checks the form when it parses the header; a trigger's URL gets the same check here.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return "the callback URL must be an absolute http or https URL";
        return await callbacks.RefusalAsync(uri, cancellationToken);
    }
}
