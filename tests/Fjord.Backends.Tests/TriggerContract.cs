using Fjord.Core.Jobs;

namespace Fjord.Backends.Tests;

/// <summary>A job's trigger (what made it) is stored with it, shown on its record and handed to its worker, on every backend.</summary>
public abstract class TriggerContract
{
    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task Trigger_IsStored_ShownOnTheRecord_AndLeasedWithTheJob()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var trigger = new JobTrigger
        {
            Kind = JobTrigger.Amqp,
            Name = "orders",
            Context = new Dictionary<string, string> { ["messageId"] = "m-1", ["header.tenant"] = "acme" },
        };
        var fromQueue = Jobs.New(fn, "from-queue") with { Trigger = trigger };
        var fromHttp = Jobs.New(fn, "from-http");
        await b.Queue.EnqueueAsync([fromQueue, fromHttp], default);

        var record = await b.Jobs.GetJobAsync(fromQueue.Id, default);
        Assert.Equal(JobTrigger.Amqp, record!.Trigger.Kind);
        Assert.Equal("orders", record.Trigger.Name);
        Assert.Equal("acme", record.Trigger.Context!["header.tenant"]);
        Assert.Equal("m-1", record.Trigger.Context["messageId"]);
        Assert.Equal(JobTrigger.Http, (await b.Jobs.GetJobAsync(fromHttp.Id, default))!.Trigger.Kind);

        var seen = new Dictionary<string, JobTrigger>();
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            seen[lease.Job.Id] = lease.Job.Trigger;
            await lease.AckAsync(Jobs.Ok(), default);
        }
        Assert.Equal("orders", seen[fromQueue.Id].Name);
        Assert.Equal("m-1", seen[fromQueue.Id].Context!["messageId"]);
        Assert.Equal(JobTrigger.Http, seen[fromHttp.Id].Kind);
        Assert.Null(seen[fromHttp.Id].Name);
    }
}

public sealed class SqliteTriggerContract : TriggerContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class RabbitPostgresTriggerContract : TriggerContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisTriggerContract : TriggerContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
