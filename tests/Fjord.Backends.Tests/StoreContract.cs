using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>The store contract (functions, bundles, keys, job listings), run against every backend.</summary>
public abstract class StoreContract
{
    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task Functions_PutGetPauseDelete_RoundTrip()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        Assert.True(await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 3), default));
        Assert.True(await b.Functions.SetPausedAsync(fn, true, default));
        Assert.False(await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 5), default));
        var state = await b.Functions.GetFunctionAsync(fn, default);
        Assert.Equal(5, state!.Spec.Concurrency);
        Assert.True(state.Paused);
        Assert.Contains(await b.Functions.ListFunctionsAsync(default), f => f.Spec.Name == fn);
        Assert.True(await b.Functions.DeleteFunctionAsync(fn, default));
        Assert.False(await b.Functions.DeleteFunctionAsync(fn, default));
        Assert.False(await b.Functions.SetPausedAsync(fn, false, default));
        Assert.Null(await b.Functions.GetFunctionAsync(fn, default));
    }

    [Fact]
    public async Task Bundles_StoredByHash_SecondPutIsANoOp()
    {
        await using var b = await CreateAsync();
        await b.Functions.PutBundleAsync("abc", [1, 2, 3], default);
        await b.Functions.PutBundleAsync("abc", [9], default);
        Assert.Equal([1, 2, 3], await b.Functions.GetBundleAsync("abc", default));
        Assert.Null(await b.Functions.GetBundleAsync("nope", default));
    }

    [Fact]
    public async Task Keys_AddFindRevoke()
    {
        await using var b = await CreateAsync();
        Assert.False(await b.Keys.AnyKeysAsync(default));
        var key = new ApiKey("k1", "*", ["invoke", "read"], DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        await b.Keys.AddKeyAsync(key, "hash1", default);
        var found = await b.Keys.FindBySecretHashAsync("hash1", default);
        Assert.Equal(["invoke", "read"], found!.Scopes);
        Assert.Equal(key.CreatedAt, found.CreatedAt);
        Assert.True(await b.Keys.RevokeKeyAsync("k1", default));
        Assert.Null(await b.Keys.FindBySecretHashAsync("hash1", default));
        Assert.Empty(await b.Keys.ListKeysAsync(default));
        Assert.True(await b.Keys.AnyKeysAsync(default));
    }

    [Fact]
    public async Task ListJobs_NewestFirst_PagesWithCursor_FiltersByStatus()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var jobs = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var job = Jobs.New(fn);
            await b.Queue.EnqueueAsync([job], default);
            jobs.Add(job.Id);
        }
        var first = await b.Jobs.ListJobsAsync(new JobQuery(fn, Limit: 3), default);
        Assert.Equal(jobs.AsEnumerable().Reverse().Take(3), first.Items.Select(j => j.Id));
        var second = await b.Jobs.ListJobsAsync(new JobQuery(fn, Limit: 3, Cursor: first.Next), default);
        Assert.Equal(jobs.Take(2).Reverse(), second.Items.Select(j => j.Id));
        Assert.Null(second.Next);
        Assert.Empty((await b.Jobs.ListJobsAsync(new JobQuery(fn, JobStatus.Failed), default)).Items);
        Assert.Equal(5, (await b.Jobs.ListJobsAsync(new JobQuery(fn, JobStatus.Queued), default)).Items.Count);
    }
}

public sealed class SqliteStoreContract : StoreContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class PostgresStoreContract : StoreContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}
