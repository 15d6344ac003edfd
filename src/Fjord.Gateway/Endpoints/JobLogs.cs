using System.Globalization;
using System.Text;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>GET /v1/jobs/{id}/logs?attempt=N</c> (any ended attempt's log) and <c>?follow=true</c>
/// (server-sent events until the job ends). Following streams a running attempt's lines as they
/// are written when the attempt runs in this process (`fjord up`); an attempt on another node
/// (a cluster's gateway) is sent whole from the store when it ends.
/// </summary>
internal sealed class JobLogs(IJobStore jobs, LiveLogs? live, TimeProvider time)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>False when the request asks for neither (the latest attempt's log, served by the caller).</summary>
    public async Task<bool> TryServeAsync(HttpContext context, JobRecord job)
    {
        var query = context.Request.Query;
        var follow = query["follow"].ToString();
        var attempt = query["attempt"].ToString();
        if (follow.Length == 0 && attempt.Length == 0)
            return false;
        if (follow.Length > 0)
        {
            if (follow is not ("true" or "false"))
            {
                await Problem.WriteAsync(context, ProblemType.InvalidRequest, $"follow must be true or false, not '{follow}'");
                return true;
            }
            if (follow == "true")
            {
                await FollowAsync(context, job.Id);
                return true;
            }
            if (attempt.Length == 0)
                return false;
        }
        if (!int.TryParse(attempt, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            await Problem.WriteAsync(context, ProblemType.InvalidRequest, $"attempt must be a number from 1, not '{attempt}'");
            return true;
        }
        var log = jobs is IAttemptLogs logs ? await logs.GetAttemptLogAsync(job.Id, number, context.RequestAborted) : null;
        if (log is null)
        {
            await Problem.WriteAsync(context, ProblemType.NotFound, $"job '{job.Id}' has no ended attempt {number} (it has {job.Attempt})");
            return true;
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(log, context.RequestAborted);
        return true;
    }

    private async Task FollowAsync(HttpContext context, string id)
    {
        var ct = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.Body.FlushAsync(ct);
        var sent = 0; // the last attempt whose log went out
        try
        {
            while (await jobs.GetJobAsync(id, ct) is { } job)
            {
                if (job.Status == JobStatus.Running && live?.Find(id) is { } running && running.Attempt > sent)
                {
                    await SendAsync(response, "attempt", running.Attempt.ToString(CultureInfo.InvariantCulture), ct);
                    var lines = new LineSplitter();
                    await foreach (var chunk in running.Follow().ReadAllAsync(ct))
                        await SendLinesAsync(response, lines.Add(chunk), ct);
                    await SendLinesAsync(response, lines.Rest(), ct);
                    sent = running.Attempt;
                    continue;
                }
                foreach (var ended in job.Attempts)
                {
                    if (ended.Number <= sent || ended.FinishedAt is null)
                        continue;
                    var log = jobs is IAttemptLogs logs ? await logs.GetAttemptLogAsync(id, ended.Number, ct) ?? "" : "";
                    await SendAsync(response, "attempt", ended.Number.ToString(CultureInfo.InvariantCulture), ct);
                    var lines = new LineSplitter();
                    await SendLinesAsync(response, lines.Add(log), ct);
                    await SendLinesAsync(response, lines.Rest(), ct);
                    sent = ended.Number;
                }
                if (job.Status.IsTerminal())
                {
                    await SendAsync(response, "end", job.Status.ToWire(), ct);
                    return;
                }
                await Task.Delay(Poll, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The follower went away.
        }
    }

    private static async Task SendLinesAsync(HttpResponse response, IReadOnlyList<string> lines, CancellationToken ct)
    {
        foreach (var line in lines)
            await SendAsync(response, "log", line, ct);
    }

    /// <summary>One event; <paramref name="data"/> holds no newline (lines are split before).</summary>
    private static async Task SendAsync(HttpResponse response, string type, string data, CancellationToken ct)
    {
        await response.WriteAsync($"event: {type}\ndata: {data.Replace("\r", "", StringComparison.Ordinal)}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }

    /// <summary>Cuts text arriving in chunks into whole lines; a line's start waits for its end.</summary>
    private sealed class LineSplitter
    {
        private readonly StringBuilder _pending = new();

        public IReadOnlyList<string> Add(string chunk)
        {
            var lines = new List<string>();
            foreach (var c in chunk)
            {
                if (c == '\n')
                {
                    lines.Add(_pending.ToString());
                    _pending.Clear();
                }
                else
                {
                    _pending.Append(c);
                }
            }
            return lines;
        }

        public IReadOnlyList<string> Rest()
        {
            if (_pending.Length == 0)
                return [];
            var rest = _pending.ToString();
            _pending.Clear();
            return [rest];
        }
    }
}
