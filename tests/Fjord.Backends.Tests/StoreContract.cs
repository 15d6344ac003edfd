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
    public async Task Keys_KeepNameLimitAndExpiry_RotateInOneWrite_AndRecordLastUseForwardOnly()
    {
        await using var b = await CreateAsync();
        var created = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var key = new ApiKey("k1", "shop", ["invoke"], created)
        {
            Name = "shop-web",
            RateLimit = new KeyRateLimit(50, 100),
            ExpiresAt = created.AddDays(90),
        };
        await b.Keys.AddKeyAsync(key, "hash1", default);
        await b.Keys.AddKeyAsync(new ApiKey("k2", "*", ["read"], created), "hash2", default);

        var found = await b.Keys.GetKeyAsync("k1", default);
        Assert.Equal("shop-web", found!.Name);
        Assert.Equal(new KeyRateLimit(50, 100), found.RateLimit);
        Assert.Equal(key.ExpiresAt, found.ExpiresAt);
        Assert.Null(found.LastUsedAt);
        var plain = await b.Keys.FindBySecretHashAsync("hash2", default);
        Assert.Null(plain!.RateLimit);
        Assert.Null(plain.ExpiresAt);
        Assert.Null(plain.Name);

        await b.Keys.RecordKeyUseAsync([new KeyUse("k1", created.AddHours(2)), new KeyUse("k2", created.AddHours(1))], default);
        await b.Keys.RecordKeyUseAsync([new KeyUse("k1", created.AddHours(1))], default);
        Assert.Equal(created.AddHours(2), (await b.Keys.GetKeyAsync("k1", default))!.LastUsedAt);
        Assert.Equal(created.AddHours(1), (await b.Keys.GetKeyAsync("k2", default))!.LastUsedAt);

        var rotated = key with { Id = "k3" };
        Assert.True(await b.Keys.ReplaceKeyAsync("k1", rotated, "hash3", default));
        Assert.Null(await b.Keys.FindBySecretHashAsync("hash1", default));
        Assert.Equal("shop-web", (await b.Keys.FindBySecretHashAsync("hash3", default))!.Name);
        // The old key is gone: a second rotation of it adds nothing.
        Assert.False(await b.Keys.ReplaceKeyAsync("k1", key with { Id = "k4" }, "hash4", default));
        Assert.Null(await b.Keys.GetKeyAsync("k4", default));
        Assert.Equal(["k2", "k3"], (await b.Keys.ListKeysAsync(default)).Select(k => k.Id).Order(StringComparer.Ordinal));
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

    /// <summary>Every state in one listing: Redis merges its per-state indexes and the lease set, page by page.</summary>
    [Fact]
    public async Task ListJobs_AllStates_MergesRunningEndedAndWaiting_NewestFirst_AcrossPages()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var jobs = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var job = Jobs.New(fn);
            await b.Queue.EnqueueAsync([job], default);
            jobs.Add(job.Id);
        }
        await using (var done = await b.Queue.FetchAsync(fn))
            Assert.True(await done.AckAsync(Jobs.Ok(), default));
        await using var running = await b.Queue.FetchAsync(fn);
        var first = await b.Jobs.ListJobsAsync(new JobQuery(fn, Limit: 3), default);
        var second = await b.Jobs.ListJobsAsync(new JobQuery(fn, Limit: 3, Cursor: first.Next), default);
        Assert.Equal(jobs.AsEnumerable().Reverse(), first.Items.Concat(second.Items).Select(j => j.Id));
        Assert.Null(second.Next);
        Assert.Equal([JobStatus.Queued, JobStatus.Queued, JobStatus.Running, JobStatus.Succeeded], first.Items.Concat(second.Items).Select(j => j.Status));
    }

    [Fact]
    public async Task ListJobs_Running_ShowsLeasedJobsNewestFirst_ByFunctionAndAcross_UntilTheyEnd()
    {
        await using var b = await CreateAsync();
        var (fn1, fn2) = (Jobs.NewFunction(), Jobs.NewFunction());
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn1), default);
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn2), default);
        var (older, newer) = (Jobs.New(fn1), Jobs.New(fn2));
        await b.Queue.EnqueueAsync([older], default);
        await b.Queue.EnqueueAsync([newer], default);
        await using var first = await b.Queue.FetchAsync(fn1);
        await using var second = await b.Queue.FetchAsync(fn2);

        Assert.Equal([older.Id], (await b.Jobs.ListJobsAsync(new JobQuery(fn1, JobStatus.Running), default)).Items.Select(j => j.Id));
        Assert.Empty((await b.Jobs.ListJobsAsync(new JobQuery(fn1, JobStatus.Queued), default)).Items);
        // Across functions (other tests' jobs may share the backend: only these two are looked at).
        var across = (await b.Jobs.ListJobsAsync(new JobQuery(null, JobStatus.Running, Limit: 1000), default)).Items.Select(j => j.Id);
        Assert.Equal([newer.Id, older.Id], across.Where(id => id == older.Id || id == newer.Id));
        var paged = await b.Jobs.ListJobsAsync(new JobQuery(fn2, JobStatus.Running, Limit: 1), default);
        Assert.Equal([newer.Id], paged.Items.Select(j => j.Id));

        Assert.True(await first.AckAsync(Jobs.Ok(), default));
        Assert.Empty((await b.Jobs.ListJobsAsync(new JobQuery(fn1, JobStatus.Running), default)).Items);
        Assert.Equal([older.Id], (await b.Jobs.ListJobsAsync(new JobQuery(fn1, JobStatus.Succeeded), default)).Items.Select(j => j.Id));
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

public sealed class RedisStoreContract : StoreContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
