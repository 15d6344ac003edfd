using System.Text;
using Fjord.Core.Jobs;

namespace Fjord.Worker.Tests;

public sealed class JobProcessorTests
{
    [Fact]
    public async Task Process_Success_AcksWithResultAndLog()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("echo");
        await f.StartAsync((r, _) => Task.FromResult(ScriptedRunner.Ok("out:" + Encoding.UTF8.GetString(r.Payload.Span))));
        var id = (await f.EnqueueAsync("echo", 1))[0];

        var job = await f.WaitForEndAsync(id);

        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal("test-node", job.Node);
        var result = await f.Store.GetResultAsync(id, CancellationToken.None);
        Assert.Equal("out:p0", Encoding.UTF8.GetString(result!.Body));
        Assert.Equal("ran ok", await f.Store.GetLogAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Process_FailsTwiceThenSucceeds_EndsSucceededOnAttemptThree()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("flaky", maxAttempts: 5);
        await f.StartAsync((r, _) => Task.FromResult(r.Attempt < 3 ? ScriptedRunner.Fail(ErrorKind.Exit, "not yet") : ScriptedRunner.Ok("finally")));
        var id = (await f.EnqueueAsync("flaky", 1, maxAttempts: 5))[0];

        var job = await f.WaitForEndAsync(id);

        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(3, job.Attempt);
        Assert.Equal(3, job.Attempts.Count);
        Assert.Equal(ErrorKind.Exit, job.Attempts[0].Error?.Kind);
        Assert.Null(job.Attempts[2].Error);
        // Backoff: the second attempt did not start before the first retry's delay (≥ half of 50 ms).
        // Measured from the first attempt's start, not its recorded end: the retry's due time is
        // the worker's "now" when the attempt ended plus the delay, while the attempt's finished_at
        // is when the store wrote it, which a loaded machine can put well after that "now".
        Assert.True(job.Attempts[1].StartedAt - job.Attempts[0].StartedAt >= TimeSpan.FromMilliseconds(24),
            $"attempt 2 started {(job.Attempts[1].StartedAt - job.Attempts[0].StartedAt).TotalMilliseconds} ms after attempt 1");
    }

    [Fact]
    public async Task Process_AlwaysFails_DeadLettersAfterExactlyMaxAttempts()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("broken", maxAttempts: 3);
        await f.StartAsync((_, _) => Task.FromResult(ScriptedRunner.Fail(ErrorKind.Timeout, "too slow")));
        var id = (await f.EnqueueAsync("broken", 1, maxAttempts: 3))[0];

        var job = await f.WaitForEndAsync(id);

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(3, job.Attempts.Count);
        Assert.Equal(3, f.Gauge.Started);
        Assert.Equal(ErrorKind.Timeout, job.Error?.Kind);
    }

    [Fact]
    public async Task Stop_WithAttemptRunningPastGrace_KillsItAndRecordsTheAttempt()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("slow");
        var started = new TaskCompletionSource();
        await f.StartAsync(async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return ScriptedRunner.Ok("never");
        }, drainGrace: TimeSpan.FromMilliseconds(200));
        var id = (await f.EnqueueAsync("slow", 1))[0];
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await f.Host.StopAsync(CancellationToken.None);

        // The run had started: it is counted and recorded, and the job is due again at once.
        var job = await f.Store.GetJobAsync(id, CancellationToken.None);
        Assert.Contains(job!.Status, new[] { JobStatus.Queued, JobStatus.Scheduled });
        Assert.Equal(1, job.Attempt);
        var attempt = Assert.Single(job.Attempts);
        Assert.Equal(ErrorKind.Crash, attempt.Error?.Kind);
        Assert.True(job.RunAt <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Stop_WithAttemptFinishingInsideGrace_LetsItFinish()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("short");
        var started = new TaskCompletionSource();
        await f.StartAsync(async (_, _) =>
        {
            started.TrySetResult();
            await Task.Delay(300);
            return ScriptedRunner.Ok("done");
        });
        var id = (await f.EnqueueAsync("short", 1))[0];
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await f.Host.StopAsync(CancellationToken.None);

        var job = await f.Store.GetJobAsync(id, CancellationToken.None);
        Assert.Equal(JobStatus.Succeeded, job!.Status);
    }

    [Fact]
    public async Task Process_CanceledWhileRunning_StopsAttemptAtOnce_AndRecordsOnlyTheCancel()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("long");
        var started = new TaskCompletionSource<string>();
        var stopped = new TaskCompletionSource();
        // Renewals far apart: the cancel must arrive through the lease, not a refused renewal.
        await f.StartAsync(async (r, ct) =>
        {
            if (!started.TrySetResult(r.JobId))
                return ScriptedRunner.Ok("next");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                stopped.TrySetResult();
                throw;
            }
            return ScriptedRunner.Ok("never");
        }, renewInterval: TimeSpan.FromMinutes(5));
        var id = (await f.EnqueueAsync("long", 1))[0];
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Fjord.Core.Storage.JobCommandResult.Done, await f.Store.CancelAsync(id, CancellationToken.None));

        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var job = await f.WaitForEndAsync(id);
        Assert.Equal(JobStatus.Canceled, job.Status);
        var attempt = Assert.Single(job.Attempts);
        Assert.Equal("canceled", attempt.Outcome);
        Assert.Equal(ErrorKind.Canceled, attempt.Error?.Kind);
        // The slot is free again and takes the next job.
        var next = (await f.EnqueueAsync("long", 1))[0];
        Assert.Equal(JobStatus.Succeeded, (await f.WaitForEndAsync(next)).Status);
        Assert.Equal(JobStatus.Canceled, (await f.Store.GetJobAsync(id, CancellationToken.None))!.Status);
    }
}
