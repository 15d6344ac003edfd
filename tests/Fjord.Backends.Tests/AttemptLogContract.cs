using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>Issue 11: every attempt's log is kept, on every backend.</summary>
public abstract class AttemptLogContract
{
    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task RetriedJob_LogsOfAttemptsOneAndTwo_BothKept()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        await using (var first = await b.Queue.FetchAsync(fn, "n", default))
            Assert.True(await first.RetryAtAsync(DateTimeOffset.UtcNow, Jobs.Failed(), default));
        await using (var second = await b.Queue.FetchAsync(fn, "n", default))
            Assert.True(await second.AckAsync(Jobs.Ok(), default));

        var logs = (IAttemptLogs)b.Jobs;
        Assert.Equal("failing log", await logs.GetAttemptLogAsync(job.Id, 1, default));
        Assert.Equal("log line", await logs.GetAttemptLogAsync(job.Id, 2, default));
        Assert.Null(await logs.GetAttemptLogAsync(job.Id, 3, default));
        Assert.Null(await logs.GetAttemptLogAsync("nope", 1, default));
        Assert.Equal("log line", await b.Jobs.GetLogAsync(job.Id, default));
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
