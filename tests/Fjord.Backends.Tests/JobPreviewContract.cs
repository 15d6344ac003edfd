using System.Text;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>Issue 12: what the dashboard's job pages read, on every backend: previews, attempt logs, and the error-kind and since filters.</summary>
public abstract class JobPreviewContract
{
    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task BodyHeads_ReadOnlyTheAskedBytes_WithTheWholeSize_AndAttemptLogsComeInOrder()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var job = Jobs.New(fn, payload: "0123456789");
        await b.Queue.EnqueueAsync([job], default);
        await using (var first = await b.Queue.FetchAsync(fn))
            Assert.True(await first.RetryAtAsync(DateTimeOffset.UtcNow, Jobs.Failed(), default));
        var previews = (IJobPreviews)b.Jobs;
        Assert.Null(await previews.GetBodyHeadAsync(job.Id, JobBody.Result, 4, default));
        await using (var second = await b.Queue.FetchAsync(fn))
            Assert.True(await second.AckAsync(Jobs.Ok("the result"), default));

        var payload = await previews.GetBodyHeadAsync(job.Id, JobBody.Payload, 4, default);
        Assert.Equal("0123", Encoding.UTF8.GetString(payload!.Head));
        Assert.Equal(10, payload.Size);
        Assert.False(payload.Whole);
        var result = await previews.GetBodyHeadAsync(job.Id, JobBody.Result, 100, default);
        Assert.Equal("the result", Encoding.UTF8.GetString(result!.Head));
        Assert.True(result.Whole);
        Assert.Null(await previews.GetBodyHeadAsync(JobId.New(), JobBody.Payload, 4, default));
        Assert.Equal(["failing log", "log line"], await previews.GetAttemptLogsAsync(job.Id, default));
        Assert.Empty(await previews.GetAttemptLogsAsync(JobId.New(), default));
    }

    [Fact]
    public async Task ListJobs_FiltersByErrorKind_AndByCreationTime()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var now = DateTimeOffset.UtcNow;
        var old = Jobs.New(fn, maxAttempts: 1, createdAt: now.AddHours(-2)) with { Id = IdAt(now.AddHours(-2)) };
        var recent = Jobs.New(fn, maxAttempts: 1);
        await b.Queue.EnqueueAsync([old, recent], default);
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.True(await lease.DeadLetterAsync(Jobs.Failed(), default));
        }

        var exits = await b.Jobs.ListJobsAsync(new JobQuery(fn, ErrorKind: ErrorKind.Exit), default);
        Assert.Equal([recent.Id, old.Id], exits.Items.Select(j => j.Id));
        Assert.Empty((await b.Jobs.ListJobsAsync(new JobQuery(fn, ErrorKind: ErrorKind.Timeout), default)).Items);
        var lastHour = await b.Jobs.ListJobsAsync(new JobQuery(fn, JobStatus.Failed, Since: now.AddHours(-1)), default);
        Assert.Equal([recent.Id], lastHour.Items.Select(j => j.Id));
    }

    /// <summary>A job id created at <paramref name="at"/> (ids begin with their creation millisecond).</summary>
    private static string IdAt(DateTimeOffset at) => JobId.Floor(at)[..12] + JobId.New()[12..];
}

public sealed class SqliteJobPreviewContract : JobPreviewContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class PostgresJobPreviewContract : JobPreviewContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisJobPreviewContract : JobPreviewContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
