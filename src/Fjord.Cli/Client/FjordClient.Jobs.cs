using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Fjord.Cli.Client;

internal sealed partial class FjordClient
{
    /// <summary>Runs the function and waits for its output. A failed run is a problem answer (500-class), raised as exit 1.</summary>
    public async Task<InvokeResult> InvokeAsync(string name, byte[] payload, string contentType, SubmitOptions options, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/functions/{Esc(name)}/invoke") { Content = Payload(payload, contentType) };
        AddSubmitHeaders(request, options);
        using var response = await SendAsync(request, timeout: null, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return new InvokeResult(body, response.Content.Headers.ContentType?.ToString());
    }

    /// <summary>Queues one job; when this returns the gateway has promised the payload is durable (202), or named the earlier job of the same idempotency key (200).</summary>
    public async Task<JobAccepted> SubmitAsync(string name, byte[] payload, string contentType, SubmitOptions options, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/functions/{Esc(name)}/jobs") { Content = Payload(payload, contentType) };
        AddSubmitHeaders(request, options);
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        var id = body.String("id")
            ?? response.Headers.Location?.OriginalString.Split('/').LastOrDefault()
            ?? throw CliException.Failed("the gateway accepted the job but named no id");
        return new JobAccepted(id, body.String("status"), response.StatusCode == HttpStatusCode.OK);
    }

    public async Task<JobList> ListJobsAsync(string? function, string? status, int? limit, string? cursor, CancellationToken ct)
    {
        var query = new List<string>();
        if (function is not null) query.Add("function=" + Esc(function));
        if (status is not null) query.Add("status=" + Esc(status));
        if (limit is not null) query.Add("limit=" + limit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (cursor is not null) query.Add("cursor=" + Esc(cursor));
        var path = query.Count == 0 ? "v1/jobs" : "v1/jobs?" + string.Join('&', query);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return new JobList([.. body.Array("items").Select(JobSummary.From)], body.String("next"));
    }

    /// <summary>The job record as the gateway sent it, so `jobs get` shows every field, including ones this CLI does not know.</summary>
    public async Task<JsonElement> GetJobAsync(string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/jobs/{Esc(id)}");
        using var response = await SendAsync(request, ControlTimeout, ct);
        return await ReadJsonAsync(response, ct);
    }

    public async Task RetryJobAsync(string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/jobs/{Esc(id)}/retry");
        using var response = await SendAsync(request, ControlTimeout, ct);
    }

    /// <summary>POST /v1/jobs:retry or :purge with a filter; returns how many dead letters moved.</summary>
    public async Task<long> DeadLettersAsync(string action, System.Text.Json.Nodes.JsonObject filter, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/jobs:{action}")
        {
            Content = new StringContent(filter.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return body.TryGetProperty(action == "retry" ? "retried" : "purged", out var n) ? n.GetInt64() : 0;
    }

    public async Task CancelJobAsync(string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/jobs/{Esc(id)}/cancel");
        using var response = await SendAsync(request, ControlTimeout, ct);
    }

    public async Task<string> GetLogsAsync(string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/jobs/{Esc(id)}/logs");
        using var response = await SendAsync(request, ControlTimeout, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>One attempt's log (<c>?attempt=N</c>).</summary>
    public async Task<string> GetAttemptLogAsync(string id, int attempt, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/jobs/{Esc(id)}/logs?attempt={attempt}");
        using var response = await SendAsync(request, ControlTimeout, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>
    /// Follows the job's log (<c>?follow=true</c>, server-sent events) until the job ends: each
    /// log line to <paramref name="line"/>, each attempt's start to <paramref name="attempt"/>.
    /// Returns the job's final status.
    /// </summary>
    public async Task<string> FollowLogsAsync(string id, Func<string, Task> line, Func<string, Task> attempt, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/jobs/{Esc(id)}/logs?follow=true");
        using var response = await SendAsync(request, null, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? type = null, data = null;
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            if (text.StartsWith("event: ", StringComparison.Ordinal))
                type = text[7..];
            else if (text.StartsWith("data: ", StringComparison.Ordinal))
                data = text[6..];
            else if (text.Length == 0 && type is not null)
            {
                switch (type)
                {
                    case "log":
                        await line(data ?? "");
                        break;
                    case "attempt":
                        await attempt(data ?? "");
                        break;
                    case "end":
                        return data ?? "";
                }
                type = data = null;
            }
        }
        throw new FjordApiException(ExitCodes.Unreachable, "the gateway closed the log stream before the job ended");
    }

    public async Task<IReadOnlyList<QueueRow>> GetQueuesAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/queues");
        using var response = await SendAsync(request, ControlTimeout, ct);
        var body = await ReadJsonAsync(response, ct);
        return [.. body.Array("functions").Select(QueueRow.From)];
    }

    private static ByteArrayContent Payload(byte[] payload, string contentType) =>
        new(payload) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } };

    private static void AddSubmitHeaders(HttpRequestMessage request, SubmitOptions options)
    {
        if (options.IdempotencyKey is { } key)
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        if (options.CallbackUrl is { } callback)
            request.Headers.TryAddWithoutValidation("X-Callback-Url", callback);
        if (options.Delay is { } delay)
            request.Headers.TryAddWithoutValidation("X-Delay", delay);
    }
}
