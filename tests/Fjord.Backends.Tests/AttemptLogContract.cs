using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>Issue 11: every attempt's log is kept, on every backend.</summary>
public abstract class AttemptLogContract
{
    protected abstract Task<Backend> CreateAsync();

    /// <summary>A job whose first attempt fails (logging "failing log") and whose second ends with <paramref name="success"/>.</summary>
    private static async Task<NewJob> FailedThenSucceededAsync(Backend b, AttemptOutcome success)
    {
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        await using (var first = await b.Queue.FetchAsync(fn, "n", default))
            Assert.True(await first.RetryAtAsync(DateTimeOffset.UtcNow, Jobs.Failed(), default));
        await using (var second = await b.Queue.FetchAsync(fn, "n", default))
            Assert.True(await second.AckAsync(success, default));
        return job;
    }

    [Fact]
    public async Task RetriedJob_LogsOfAttemptsOneAndTwo_BothKept()
    {
        await using var b = await CreateAsync();
        var job = await FailedThenSucceededAsync(b, Jobs.Ok());

        var logs = (IAttemptLogs)b.Jobs;
        Assert.Equal("failing log", await logs.GetAttemptLogAsync(job.Id, 1, default));
        Assert.Equal("log line", await logs.GetAttemptLogAsync(job.Id, 2, default));
        Assert.Null(await logs.GetAttemptLogAsync(job.Id, 3, default));
        Assert.Null(await logs.GetAttemptLogAsync("nope", 1, default));
        Assert.Equal("log line", await b.Jobs.GetLogAsync(job.Id, default));
    }

    /// <summary>A success that printed nothing after a failure that did: the last attempt's log is the empty one (Redis keeps no entry for it, see JobScripts.Cycle).</summary>
    [Fact]
    public async Task QuietSuccessAfterLoggedFailure_IsTheLastAttempt_WithAnEmptyLog()
    {
        await using var b = await CreateAsync();
        var job = await FailedThenSucceededAsync(b, Jobs.Ok() with { Log = "" });

        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(["failed", "succeeded"], record!.Attempts.Select(a => a.Outcome));
        var last = record.Attempts[^1];
        Assert.Equal((2, "n"), (last.Number, last.Node));
        Assert.NotNull(last.FinishedAt);
        var logs = (IAttemptLogs)b.Jobs;
        Assert.Equal("failing log", await logs.GetAttemptLogAsync(job.Id, 1, default));
        Assert.Equal("", await logs.GetAttemptLogAsync(job.Id, 2, default));
        Assert.Null(await logs.GetAttemptLogAsync(job.Id, 3, default));
        Assert.Equal("", await b.Jobs.GetLogAsync(job.Id, default));
        if (b.Jobs is IJobPreviews previews)
            Assert.Equal(["failing log", ""], await previews.GetAttemptLogsAsync(job.Id, default));
    }
}

public sealed class SqliteAttemptLogContract : AttemptLogContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class PostgresAttemptLogContract : AttemptLogContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisAttemptLogContract : AttemptLogContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
