using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Json;
using Fjord.Gateway.Problems;

namespace Fjord.Gateway.Callbacks;

/// <summary>
/// One POST of a job's end to its callback URL: the result as the body with its content type, or
/// the error as problem+json; <c>X-Fjord-Job-Id</c>, <c>X-Fjord-Status</c>, <c>X-Fjord-Attempt</c>.
/// </summary>
/// <remarks>
/// SSRF: the URL comes from whoever may invoke the function, and this node POSTs to it from
/// inside the operator's network. The handler dials only addresses <see cref="CallbackTargets"/>
/// allows (checked on the socket, after resolution), uses no proxy (the proxy would be what is
/// dialled), follows no redirects (a public URL cannot bounce the POST inward), sends no
/// credentials, and the caller learns only "delivered" or "failed" with the HTTP status: the
/// receiver's answer and socket errors go to the node's log, never to the job record.
/// </remarks>
internal sealed class CallbackSender(HttpClient http, IJobStore jobs, TimeSpan timeout)
{
    /// <summary>What the job record says of a try that got no HTTP answer (refused, unreachable, timed out).</summary>
    public const string NoAnswer = "no answer";

    private const int MaxErrorLength = 500;

    public static HttpClient CreateClient(TimeSpan timeout, CallbackTargets targets) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = timeout,
        ConnectCallback = targets.ConnectAsync,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    })
    {
        // Each try has its own deadline (below); the client-wide one would only get in the way.
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// Sends one try. Failures of the receiver are values; only the stop (and a store read) throw.
    /// <c>Detail</c> is for the node's log only.
    /// </summary>
    public async Task<(CallbackDelivery Delivery, string? Detail)> SendAsync(PendingCallback callback, TimeProvider time, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, callback.Url);
        request.Content = await BodyAsync(callback, stop);
        request.Headers.Add("X-Fjord-Job-Id", callback.JobId);
        request.Headers.Add("X-Fjord-Status", callback.Status.ToWire());
        request.Headers.Add("X-Fjord-Attempt", callback.Attempt.ToString(CultureInfo.InvariantCulture));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("fjord-callback", "1"));
        // The callback is the last span of the job's trace, and the receiver gets it as its
        // traceparent, so the web tier's handler of the result joins the trace it started.
        using var span = await StartSpanAsync(callback, stop);
        if (span.Parent is { } parent)
        {
            request.Headers.TryAddWithoutValidation("traceparent", parent);
            if (span.State is { Length: > 0 } state)
                request.Headers.TryAddWithoutValidation("tracestate", state);
        }

        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stop);
        var at = time.GetUtcNow();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var code = (int)response.StatusCode;
            var delivered = code is >= 200 and < 300;
            span.Activity?.SetTag("http.response.status_code", code);
            if (!delivered)
                span.Activity?.SetStatus(ActivityStatusCode.Error, StatusText(code));
            return (new CallbackDelivery(at, code, delivered ? null : StatusText(code)), delivered ? null : $"HTTP {code} {response.ReasonPhrase}".TrimEnd());
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            span.Activity?.SetStatus(ActivityStatusCode.Error, NoAnswer);
            return (new CallbackDelivery(at, null, NoAnswer), $"no answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        }
        catch (HttpRequestException e)
        {
            span.Activity?.SetStatus(ActivityStatusCode.Error, NoAnswer);
            return (new CallbackDelivery(at, null, NoAnswer), Shorten(Innermost(e).Message));
        }
    }

    /// <summary>
    /// A <c>callback</c> span under the context stored at intake, and the traceparent to send: the
    /// span's own when tracing is on, else the stored one (so propagation does not depend on export).
    /// One read of the job record per try: callbacks are off the intake and dispatch paths.
    /// </summary>
    private async Task<CallbackSpan> StartSpanAsync(PendingCallback callback, CancellationToken cancellationToken)
    {
        var stored = (await jobs.GetJobAsync(callback.JobId, cancellationToken))?.Trace;
        if (TraceContext.Unpack(stored) is not { } parent)
            return default;
        var activity = TraceContext.Source.StartActivity("callback", ActivityKind.Client, parent);
        if (activity is null)
            return new CallbackSpan(null, TraceContext.TraceParent(parent), parent.TraceState);
        activity.SetTag("fjord.job_id", callback.JobId);
        activity.SetTag("fjord.callback_try", callback.Tries + 1);
        activity.SetTag("fjord.status", callback.Status.ToWire());
        return new CallbackSpan(activity, TraceContext.TraceParent(activity.Context), parent.TraceState);
    }

    private readonly record struct CallbackSpan(Activity? Activity, string? Parent, string? State) : IDisposable
    {
        public void Dispose() => Activity?.Dispose();
    }

    /// <summary>The record's text for a try that got an HTTP answer other than 2xx.</summary>
    public static string StatusText(int code) => "HTTP " + code.ToString(CultureInfo.InvariantCulture);

    private static Exception Innermost(Exception e)
    {
        // HttpRequestException wraps the socket's (or the connect check's) own, more telling, error.
        while (e.InnerException is { } inner)
            e = inner;
        return e;
    }

    private async Task<HttpContent> BodyAsync(PendingCallback callback, CancellationToken cancellationToken)
    {
        if (callback.Status == JobStatus.Succeeded)
        {
            var result = await jobs.GetResultAsync(callback.JobId, cancellationToken);
            var content = new ByteArrayContent(result?.Body ?? []);
            content.Headers.ContentType = MediaTypeHeaderValue.TryParse(result?.ContentType, out var type)
                ? type
                : new MediaTypeHeaderValue("application/octet-stream");
            return content;
        }

        var error = callback.Error;
        var problemType = callback.Status == JobStatus.Canceled ? ProblemType.Canceled : ProblemType.FunctionFailed;
        var body = new ProblemBody
        {
            Type = problemType.Uri,
            Title = problemType.Title,
            Status = problemType.Status,
            Detail = error is null ? $"the job was {callback.Status.ToWire()}" : $"{error.KindName}: {error.Message}",
            JobId = callback.JobId,
            Kind = error?.KindName,
            Message = error?.Message,
            ExitCode = error?.ExitCode,
        };
        var json = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, GatewayJsonContext.Default.ProblemBody));
        json.Headers.ContentType = new MediaTypeHeaderValue(Problem.ContentType);
        return json;
    }

    private static string Shorten(string message) => message.Length <= MaxErrorLength ? message : message[..MaxErrorLength];
}
