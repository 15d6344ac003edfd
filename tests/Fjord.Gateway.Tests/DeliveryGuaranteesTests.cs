using System.Net;
using System.Text.Json;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Tests;

/// <summary>
/// Issue 4's "Done when", each through the public HTTP API with the real WorkerHost and the real
/// SQLite store (only the function process is scripted).
/// </summary>
public sealed class DeliveryGuaranteesTests
{
    [Fact]
    public async Task Job_FailingTwiceThenSucceeding_EndsSucceededWithAttempt3()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("flaky", Api.Flaky);
        await using var worker = await TestWorker.StartAsync(gw, (r, _) =>
            Task.FromResult(r.Attempt < 3 ? TestWorker.Fail(ErrorKind.Exit, "not yet") : TestWorker.Ok("third time")));

        var id = await Api.AcceptAsync(gw, "flaky");
        var job = await Api.WaitForAsync(gw, id);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("attempt").GetInt32());
        var attempts = job.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(["failed", "failed", "succeeded"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal("exit", attempts[0].GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Job_AlwaysFailing_FailsAfterExactlyMaxAttempts_AndCanBeRetried()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("broken", Api.Flaky);
        var healed = false;
        await using var worker = await TestWorker.StartAsync(gw, (_, _) =>
            Task.FromResult(Volatile.Read(ref healed) ? TestWorker.Ok("fixed") : TestWorker.Fail(ErrorKind.Exception, "bug")));

        var id = await Api.AcceptAsync(gw, "broken");
        var failed = await Api.WaitForAsync(gw, id);

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(3, failed.GetProperty("attempts").GetArrayLength());
        Assert.Equal(3, worker.Runs.Count(r => r.JobId == id));
        Assert.Equal("exception", failed.GetProperty("error").GetProperty("kind").GetString());

        Volatile.Write(ref healed, true);
        using var retry = await Api.PostAsync(gw.Client, $"/v1/jobs/{id}/retry");
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var succeeded = await Api.WaitForAsync(gw, id, "succeeded");
        Assert.Equal(4, succeeded.GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task RepeatedIdempotencyKey_ReturnsSameIdWith200_AndRunsOnce()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("once");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("done")));

        var id = await Api.AcceptAsync(gw, "once", "a", r => r.Headers.Add("Idempotency-Key", "k-1"));
        await Api.WaitForAsync(gw, id, "succeeded");
        using var again = await gw.PostJobAsync("once", "a", r => r.Headers.Add("Idempotency-Key", "k-1"));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await TestGateway.JsonAsync(again)).GetProperty("id").GetString());
        Assert.Single(worker.Runs);
    }

    [Fact]
    public async Task Delay_OfThreeSeconds_IsHonoured()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("later");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("done")));

        var sent = DateTimeOffset.UtcNow;
        var id = await Api.AcceptAsync(gw, "later", "x", r => r.Headers.Add("X-Delay", "3s"));
        Assert.Equal("scheduled", (await Api.GetJobAsync(gw, id)).GetProperty("status").GetString());
        var job = await Api.WaitForAsync(gw, id, "succeeded");

        var run = Assert.Single(worker.Runs);
        // The store's and this test's clocks are the same wall clock; allow its millisecond rounding.
        Assert.True(run.At - sent >= TimeSpan.FromMilliseconds(2990), $"ran {(run.At - sent).TotalMilliseconds} ms after intake");
        var started = job.GetProperty("startedAt").GetDateTimeOffset();
        Assert.True(started - job.GetProperty("createdAt").GetDateTimeOffset() >= TimeSpan.FromMilliseconds(2990));
    }

    [Fact]
    public async Task CanceledScheduledJob_NeverRuns()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("later");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("done")));

        var canceled = await Api.AcceptAsync(gw, "later", "x", r => r.Headers.Add("X-Delay", "1s"));
        var control = await Api.AcceptAsync(gw, "later", "y", r => r.Headers.Add("X-Delay", "1500ms"));
        using var cancel = await Api.PostAsync(gw.Client, $"/v1/jobs/{canceled}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);

        // The later job running proves the earlier due time has passed with the worker live.
        await Api.WaitForAsync(gw, control, "succeeded");
        Assert.DoesNotContain(worker.Runs, r => r.JobId == canceled);
        var job = await Api.GetJobAsync(gw, canceled);
        Assert.Equal("canceled", job.GetProperty("status").GetString());
        Assert.Equal(0, job.GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task Callback_ArrivesWithResultAndStatusHeaders_AndIsShownOnTheJob()
    {
        await using var listener = await CallbackListener.StartAsync();
        await using var gw = await TestGateway.StartAsync(o => o with { Callbacks = FastCallbacks() });
        await gw.CreateFunctionAsync("hook");
        await using var worker = await TestWorker.StartAsync(gw, (r, _) => Task.FromResult(TestWorker.Ok("result of " + r.JobId)));

        var id = await Api.AcceptAsync(gw, "hook", "x", r => r.Headers.Add("X-Callback-Url", listener.Url("/done?token=abc").ToString()));
        var received = await listener.NextAsync();

        Assert.Equal("/done", received.Path);
        Assert.Equal("result of " + id, received.Body);
        Assert.StartsWith("text/plain", received.ContentType, StringComparison.Ordinal);
        Assert.Equal(id, received.Headers["X-Fjord-Job-Id"]);
        Assert.Equal("succeeded", received.Headers["X-Fjord-Status"]);
        Assert.Equal("1", received.Headers["X-Fjord-Attempt"]);
        var job = await Api.WaitForAsync(gw, id, "succeeded", j => j.GetProperty("callbacks").GetArrayLength() == 1);
        var delivery = job.GetProperty("callbacks")[0];
        Assert.Equal(200, delivery.GetProperty("statusCode").GetInt32());
        Assert.Equal("delivered", delivery.GetProperty("outcome").GetString());
        Assert.Equal("succeeded", delivery.GetProperty("jobStatus").GetString());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Queue_PastMaxQueueDepth_Answers429_AndBatchIsAllOrNone()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("small", "\"maxQueueDepth\": 3");

        using var batch = await Api.PostAsync(gw.Client, "/v1/functions/small/jobs:batch", "[1, 2]");
        using var tooBig = await Api.PostAsync(gw.Client, "/v1/functions/small/jobs:batch", "[3, 4]");
        using var single = await gw.PostJobAsync("small", "5");
        using var full = await gw.PostJobAsync("small", "6");

        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        Assert.Equal((HttpStatusCode)429, tooBig.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        Assert.Equal((HttpStatusCode)429, full.StatusCode);
        Assert.NotNull(full.Headers.RetryAfter?.Delta);
        using var list = await gw.Client.GetAsync(new Uri("/v1/jobs?function=small", UriKind.Relative));
        // Nothing of the refused batch was stored: the two of the first batch and the single one.
        Assert.Equal(3, (await TestGateway.JsonAsync(list)).GetProperty("items").GetArrayLength());
    }

    /// <summary>Quick tries; the test listeners run on 127.0.0.1, so the allowlist opens loopback (refused by default).</summary>
    internal static Callbacks.CallbackOptions FastCallbacks(int maxTries = 10) => new()
    {
        Allow = Callbacks.CallbackAllowList.Parse("127.0.0.1"),
        PollInterval = TimeSpan.FromMilliseconds(50),
        Backoff = new Fjord.Core.Functions.Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)),
        Timeout = TimeSpan.FromSeconds(2),
        MaxTries = maxTries,
    };
}
