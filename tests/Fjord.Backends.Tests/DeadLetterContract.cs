using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>Dead letters in bulk (IDeadLetters), run against every backend.</summary>
public abstract partial class DeadLetterContract
{
    protected abstract Task<Backend> CreateAsync();

    private static async Task<List<string>> DeadLetterAsync(Backend b, string fn, int count)
    {
        var jobs = Enumerable.Range(0, count).Select(i => Jobs.New(fn, $"p{i}", maxAttempts: 1)).ToArray();
        await b.Queue.EnqueueAsync(jobs, default);
        for (var i = 0; i < count; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.True(await lease.DeadLetterAsync(Jobs.Failed(), default));
        }
        return [.. jobs.Select(j => j.Id)];
    }

    [Fact]
    public async Task RetryDeadLetters_RequeuesOnlyWhatTheFilterNames_AndEachRunsAgain()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var other = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var ids = await DeadLetterAsync(b, fn, 3);
        var untouched = Assert.Single(await DeadLetterAsync(b, other, 1));

        Assert.Equal(0, await b.DeadLetters.RetryDeadLettersAsync(new DeadLetterFilter(fn, ErrorKind.Timeout), default));
        Assert.Equal(0, await b.DeadLetters.RetryDeadLettersAsync(new DeadLetterFilter(fn, Since: DateTimeOffset.UtcNow.AddHours(1)), default));
        Assert.Equal(3, await b.DeadLetters.RetryDeadLettersAsync(new DeadLetterFilter(fn, ErrorKind.Exit, DateTimeOffset.UtcNow.AddHours(-1)), default));

        // Each came back exactly as a single retry: queued, fresh budget, history kept, and
        // delivered again (on RabbitMQ + PostgreSQL through a new outbox row and message).
        var ran = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.Equal(1, lease.Job.Attempt);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
            ran.Add(lease.Job.Id);
        }
        Assert.Equal(ids.Order(), ran.Order());
        var record = await b.Jobs.GetJobAsync(ids[0], default);
        Assert.Equal(["failed", "succeeded"], record!.Attempts.Select(a => a.Outcome));
        Assert.Equal(JobStatus.Failed, (await b.Jobs.GetJobAsync(untouched, default))!.Status);
        Assert.Equal(0, await b.DeadLetters.RetryDeadLettersAsync(new DeadLetterFilter(fn), default));
    }

    [Fact]
    public async Task RetryDeadLetters_ExpiredJob_RunsInsteadOfExpiringAgain()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, maxAge: TimeSpan.FromSeconds(30)), default);
        var old = Jobs.New(fn, createdAt: DateTimeOffset.UtcNow.AddMinutes(-5));
        await b.Queue.EnqueueAsync([old], default);
        Assert.True(await b.Queue.NothingWithinAsync(fn, 1.5));
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            Assert.Equal(ErrorKind.Expired, (await b.Jobs.WaitForEndAsync(old.Id, deadline.Token))!.Error!.Kind);

        Assert.Equal(1, await b.DeadLetters.RetryDeadLettersAsync(new DeadLetterFilter(ErrorKind: ErrorKind.Expired), default));
        await using var lease = await b.Queue.FetchAsync(fn);
        Assert.Equal(old.Id, lease.Job.Id);
        Assert.True(await lease.AckAsync(Jobs.Ok(), default));
    }

    [Fact]
    public async Task PurgeDeadLetters_DeletesThemWithTheirHistory_AndKeepsTheTotals()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var ids = await DeadLetterAsync(b, fn, 2);
        var waiting = Jobs.New(fn);
        await b.Queue.EnqueueAsync([waiting], default);

        Assert.Equal(2, await b.DeadLetters.PurgeDeadLettersAsync(new DeadLetterFilter(fn), default));
        foreach (var id in ids)
        {
            Assert.Null(await b.Jobs.GetJobAsync(id, default));
            Assert.Null(await b.Jobs.GetLogAsync(id, default));
        }
        Assert.NotNull(await b.Jobs.GetJobAsync(waiting.Id, default));
        Assert.Equal(2, Assert.Single(await b.Monitor.GetQueuesAsync(default), q => q.Name == fn).Failed);
        Assert.Equal(0, await b.DeadLetters.PurgeDeadLettersAsync(new DeadLetterFilter(fn), default));
    }
}

public abstract partial class DeadLetterContract
{
    [Fact]
    public async Task GroupAndCount_SayHowManyDeadLettersAFilterNames_ByFunctionAndKind()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var other = Jobs.NewFunction();
        await DeadLetterAsync(b, fn, 3);
        await DeadLetterAsync(b, other, 1);
        var waiting = Jobs.New(fn);
        await b.Queue.EnqueueAsync([waiting], default);

        var groups = (await b.DeadLetters.GroupDeadLettersAsync(default)).Where(g => g.Function == fn || g.Function == other).ToList();

        Assert.Equal([(fn, ErrorKind.Exit, 3L), (other, ErrorKind.Exit, 1L)], groups.Select(g => (g.Function, g.ErrorKind!.Value, g.Count)).OrderBy(g => g.Function == other));
        Assert.All(groups, g => Assert.InRange(g.LastFailedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.Equal(3, await b.DeadLetters.CountDeadLettersAsync(new DeadLetterFilter(fn), default));
        Assert.Equal(3, await b.DeadLetters.CountDeadLettersAsync(new DeadLetterFilter(fn, ErrorKind.Exit, DateTimeOffset.UtcNow.AddHours(-1)), default));
        Assert.Equal(0, await b.DeadLetters.CountDeadLettersAsync(new DeadLetterFilter(fn, ErrorKind.Timeout), default));
        Assert.Equal(0, await b.DeadLetters.CountDeadLettersAsync(new DeadLetterFilter(fn, Since: DateTimeOffset.UtcNow.AddHours(1)), default));
        // The count is what the command then moves.
        Assert.Equal(3, await b.DeadLetters.RetryDeadLettersAsync(new DeadLetterFilter(fn), default));
        Assert.Equal(0, await b.DeadLetters.CountDeadLettersAsync(new DeadLetterFilter(fn), default));
        Assert.DoesNotContain(await b.DeadLetters.GroupDeadLettersAsync(default), g => g.Function == fn);
    }
}

public sealed class SqliteDeadLetterContract : DeadLetterContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class RabbitPostgresDeadLetterContract : DeadLetterContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisDeadLetterContract : DeadLetterContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
