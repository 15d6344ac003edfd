using System.Net;
using System.Text;
using Fjord.Core.Jobs;
using Fjord.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Tests;

/// <summary>Issue 11: every attempt's log through <c>?attempt=N</c>, and <c>?follow=true</c> streaming lines while the job runs.</summary>
public sealed class JobLogTests
{
    [Fact]
    public async Task RetriedJob_LogsOfAttemptsOneAndTwo_BothRetrievable()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn", "\"maxAttempts\": 3, \"backoff\": { \"initial\": \"100ms\", \"max\": \"100ms\" }");
        await using var worker = await TestWorker.StartAsync(gw, (r, _) => Task.FromResult(r.Attempt == 1
            ? new RunResult([], "text/plain", new JobError(ErrorKind.Exit, "first try", 1), "attempt one says hi\n", 1)
            : new RunResult(Encoding.UTF8.GetBytes("ok"), "text/plain", null, "attempt two says hi\n", 1)));
        string id;
        using (var posted = await gw.PostJobAsync("fn", "x"))
            id = (await TestGateway.JsonAsync(posted)).GetProperty("id").GetString()!;
        await WaitStatusAsync(gw, id, "succeeded");

        Assert.Equal("attempt one says hi\n", await gw.Client.GetStringAsync(new Uri($"/v1/jobs/{id}/logs?attempt=1", UriKind.Relative)));
        Assert.Equal("attempt two says hi\n", await gw.Client.GetStringAsync(new Uri($"/v1/jobs/{id}/logs?attempt=2", UriKind.Relative)));
        Assert.Equal("attempt two says hi\n", await gw.Client.GetStringAsync(new Uri($"/v1/jobs/{id}/logs", UriKind.Relative)));
        using (var none = await gw.Client.GetAsync(new Uri($"/v1/jobs/{id}/logs?attempt=3", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        using (var bad = await gw.Client.GetAsync(new Uri($"/v1/jobs/{id}/logs?attempt=zero", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // Following an ended job replays each attempt's log, then the end.
        var events = await ReadEventsAsync(gw, id, null);
        Assert.Equal(
            [("attempt", "1"), ("log", "attempt one says hi"), ("attempt", "2"), ("log", "attempt two says hi"), ("end", "succeeded")],
            events);
    }

    [Fact]
    public async Task Follow_StreamsLinesWhileTheJobRuns_AndEndsWhenItEnds()
    {
        var live = new LiveLogs();
        await using var gw = await TestGateway.StartAsync(services: s => s.AddSingleton(live));
        await gw.CreateFunctionAsync("fn");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = await TestWorker.StartAsync(gw, async (r, ct) =>
        {
            r.Tap!("first line\nsecond "u8);
            r.Tap!("line\n"u8);
            await release.Task.WaitAsync(ct);
            r.Tap!("last line\n"u8);
            return TestWorker.Ok("done");
        }, liveLogs: live);
        string id;
        using (var posted = await gw.PostJobAsync("fn", "x"))
            id = (await TestGateway.JsonAsync(posted)).GetProperty("id").GetString()!;

        string? statusWhileStreaming = null;
        var events = await ReadEventsAsync(gw, id, async got =>
        {
            if (got.Count == 3 && statusWhileStreaming is null)
            {
                // Two lines arrived while the process still runs; only then may it finish.
                using var job = await gw.Client.GetAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative));
                statusWhileStreaming = (await TestGateway.JsonAsync(job)).GetProperty("status").GetString();
                release.TrySetResult();
            }
        });
        Assert.Equal("running", statusWhileStreaming);
        Assert.Equal(
            [("attempt", "1"), ("log", "first line"), ("log", "second line"), ("log", "last line"), ("end", "succeeded")],
            events);
    }

    private static async Task<List<(string Type, string Data)>> ReadEventsAsync(TestGateway gw, string id, Func<List<(string, string)>, Task>? onEvent)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{id}/logs?follow=true");
        using var response = await gw.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<(string, string)>();
        string? type = null, data = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
                type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
                data = line[6..];
            else if (line.Length == 0 && type is not null)
            {
                events.Add((type, data ?? ""));
                type = data = null;
                if (onEvent is not null)
                    await onEvent(events);
            }
        }
        return events;
    }

    private static async Task WaitStatusAsync(TestGateway gw, string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var response = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
            var now = (await TestGateway.JsonAsync(response)).GetProperty("status").GetString();
            if (now == status)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"job {id} is {now}, not {status}");
            await Task.Delay(50);
        }
    }
}
