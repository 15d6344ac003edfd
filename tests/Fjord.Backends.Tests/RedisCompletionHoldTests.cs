using Fjord.Core.Jobs;

namespace Fjord.Backends.Tests;

/// <summary>
/// The completion hold (RedisStore.Hold.cs) against the private server: a worker's completion
/// waits while a short job it claimed is still running, and both go to Redis together; a job
/// that has run longer than the hold holds nobody back.
/// </summary>
public sealed class RedisCompletionHoldTests
{
    private static AttemptOutcome Done(string result) =>
        AttemptOutcome.Success(System.Text.Encoding.UTF8.GetBytes(result), "text/plain", "", DateTimeOffset.UtcNow);

    [Fact]
    public async Task ACompletion_WaitsForTheShortJobStillRunning_ThenBothAreRecorded()
    {
        await using var b = await RedisBackend.CreateAsync(o => o with { CompletionHold = TimeSpan.FromSeconds(2), LeaseDuration = TimeSpan.FromMinutes(2) });
        var fn = Jobs.NewFunction();
        await b.Queue.EnqueueAsync([Jobs.New(fn), Jobs.New(fn)], default);
        await using var first = await b.Queue.FetchAsync(fn);
        // This claim itself waits out the hold: the first job is running and young.
        await using var second = await b.Queue.FetchAsync(fn);

        // The first job is now older than the hold, the second is not: the first's completion waits for it.
        var firstAck = first.AckAsync(Done("one"), default);
        await Task.Delay(500);
        Assert.False(firstAck.IsCompleted, "the completion went while a short job claimed with it was still running");
        Assert.Equal(JobStatus.Running, (await b.Jobs.GetJobAsync(first.Job.Id, default))!.Status);

        var secondAck = second.AckAsync(Done("two"), default);
        Assert.True(await firstAck.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await secondAck.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(JobStatus.Succeeded, (await b.Jobs.GetJobAsync(first.Job.Id, default))!.Status);
        Assert.Equal(JobStatus.Succeeded, (await b.Jobs.GetJobAsync(second.Job.Id, default))!.Status);
    }

    [Fact]
    public async Task AJobRunningLongerThanTheHold_HoldsNoOtherCompletionBack()
    {
        var hold = TimeSpan.FromSeconds(3);
        await using var b = await RedisBackend.CreateAsync(o => o with { CompletionHold = hold, LeaseDuration = TimeSpan.FromMinutes(2) });
        var fn = Jobs.NewFunction();
        await b.Queue.EnqueueAsync([Jobs.New(fn), Jobs.New(fn)], default);
        await using var slow = await b.Queue.FetchAsync(fn);
        await Task.Delay(hold + TimeSpan.FromMilliseconds(500));

        // The slow job still runs but is past the hold: the next claim and completion go at once
        // (held, either would take the whole 3 s).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using (var quick = await b.Queue.FetchAsync(fn))
            Assert.True(await quick.AckAsync(Done("quick"), default));
        Assert.True(watch.Elapsed < hold - TimeSpan.FromMilliseconds(500), $"claim and completion took {watch.Elapsed.TotalMilliseconds:F0} ms beside a job older than the {hold.TotalSeconds} s hold");

        Assert.True(await slow.AckAsync(Done("slow"), default));
    }
}
