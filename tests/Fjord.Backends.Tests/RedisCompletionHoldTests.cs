using Fjord.Core.Jobs;
using Fjord.Core.Queue;

namespace Fjord.Backends.Tests;

/// <summary>
/// The completion hold (RedisStore.Hold.cs) against the private server: a worker's completion
/// waits while a short job it claimed is still running, and both go to Redis together; a job
/// that has run longer than the hold, or any job on a node whose jobs typically run longer, holds
/// nobody back.
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

    [Fact]
    public async Task OnANodeWhoseJobsTypicallyRunLongerThanTheHold_ACompletionGoesAtOnce_BesideAYoungJob()
    {
        var hold = TimeSpan.FromSeconds(1.5);
        await using var b = await RedisBackend.CreateAsync(o => o with { CompletionHold = hold, LeaseDuration = TimeSpan.FromMinutes(2) });
        var fn = Jobs.NewFunction();
        await b.Queue.EnqueueAsync([.. Enumerable.Range(0, 6).Select(_ => Jobs.New(fn))], default);

        // Four jobs of 4 s each: the node's typical run time (a moving average) passes the hold.
        var slow = new List<IJobLease>();
        for (var i = 0; i < 4; i++)
            slow.Add(await b.Queue.FetchAsync(fn));
        await Task.Delay(TimeSpan.FromSeconds(4));
        foreach (var lease in slow)
        {
            Assert.True(await lease.AckAsync(Done("slow"), default));
            await lease.DisposeAsync();
        }

        // A job claimed just now still runs; the other's claim and completion do not wait for it.
        await using var young = await b.Queue.FetchAsync(fn);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using (var quick = await b.Queue.FetchAsync(fn))
            Assert.True(await quick.AckAsync(Done("quick"), default));
        Assert.True(watch.Elapsed < hold - TimeSpan.FromMilliseconds(500), $"claim and completion took {watch.Elapsed.TotalMilliseconds:F0} ms on a node of long jobs");
        Assert.True(await young.AckAsync(Done("young"), default));
    }
}
