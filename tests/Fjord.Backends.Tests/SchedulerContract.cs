using Fjord.Core.Jobs;
using Fjord.Core.Schedules;
using Fjord.Core.Storage;
using Fjord.Gateway;
using Fjord.Gateway.Schedules;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Backends.Tests;

/// <summary>
/// Several schedulers on one store, each with its own clock (set by the test), racing on the same
/// fire times: each fire time makes exactly one job, on every backend.
/// </summary>
public abstract class SchedulerContract
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 30, TimeSpan.Zero);

    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task TwoSchedulers_ClocksASecondApart_AndARestart_MakeOneJobPerFireTime()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn) with { Schedules = [Every("minutely", "* * * * *", "allow")] }, default);
        await using var gateway = Gateway(b);
        var (clockA, clockB) = (new SetClock(T0), new SetClock(T0 - TimeSpan.FromSeconds(1)));
        var a = gateway.Scheduler(clockA);
        var bee = gateway.Scheduler(clockB);
        await Task.WhenAll(a.TickAsync(default), bee.TickAsync(default));

        for (var minute = 0; minute < 3; minute++)
        {
            var fire = T0.AddSeconds(30).AddMinutes(minute);
            // Both look at the fire time at once; B's clock then catches up a second later.
            clockA.Now = fire.AddMilliseconds(3);
            clockB.Now = fire.AddMilliseconds(3);
            await Task.WhenAll(a.TickAsync(default), bee.TickAsync(default));
            clockB.Now = fire.AddSeconds(1);
            await bee.TickAsync(default);
            // A gateway restarted at that moment looks for the first time.
            await gateway.Scheduler(new SetClock(fire.AddSeconds(2))).TickAsync(default);
            Assert.Equal(minute + 1, await CountAsync(b, fn));
        }

        var page = await b.Jobs.ListJobsAsync(new JobQuery(fn), default);
        Assert.All(page.Items, j => Assert.Equal((JobTrigger.Schedule, "minutely"), (j.Trigger.Kind, j.Trigger.Name)));
        var state = Assert.Single(await b.Schedules.ListScheduleStatesAsync(default), s => s.Function == fn);
        Assert.Equal((T0.AddMinutes(2).AddSeconds(30), page.Items[0].Id), (state.LastFireAt, state.LastJobId));
    }

    [Fact]
    public async Task OverlapSkip_CountsOneSkip_WhileThePreviousRunIsReady()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn) with { Schedules = [Every("minutely", "* * * * *")] }, default);
        await using var gateway = Gateway(b);
        var clock = new SetClock(T0);
        var (a, bee) = (gateway.Scheduler(clock), gateway.Scheduler(clock));
        await a.TickAsync(default);
        clock.Now = T0.AddSeconds(30);
        await a.TickAsync(default);
        Assert.Equal(1, await CountAsync(b, fn));

        // Nobody ran the first job: the next fire time is skipped, once, by whichever scheduler wins.
        clock.Now = T0.AddSeconds(90);
        await Task.WhenAll(a.TickAsync(default), bee.TickAsync(default));
        Assert.Equal(1, await CountAsync(b, fn));
        Assert.Equal(1, Assert.Single(await b.Schedules.ListScheduleStatesAsync(default), s => s.Function == fn).Skipped);

        // Once it ran, the next fire time runs again.
        await using (var lease = await b.Queue.FetchAsync(fn))
            await lease.AckAsync(Jobs.Ok(), default);
        clock.Now = T0.AddSeconds(150);
        await a.TickAsync(default);
        Assert.Equal(2, await CountAsync(b, fn));
    }

    private static async Task<int> CountAsync(Backend b, string fn) =>
        (await b.Jobs.ListJobsAsync(new JobQuery(fn, Limit: 100), default)).Items.Count;

    private static ScheduleSpec Every(string name, string cron, string? overlap = null) =>
        ScheduleSpec.Parse(new ScheduleDocument { Name = name, Cron = cron, Overlap = overlap }, 0, [])!;

    private static GatewayServices Gateway(Backend b) => new(b);

    /// <summary>The gateway's services over the backend (intake, metrics, schedule state), without HTTP.</summary>
    private sealed class GatewayServices : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        public GatewayServices(Backend b)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton(b.Queue);
            services.AddSingleton(b.Jobs);
            services.AddSingleton(b.Functions);
            services.AddSingleton(b.Monitor);
            services.AddSingleton(b.Keys);
            services.AddSingleton(b.Schedules);
            services.AddFjordGateway(new GatewayOptions { DataDir = Path.GetTempPath() });
            _services = services.BuildServiceProvider();
        }

        public Scheduler Scheduler(TimeProvider clock) => ActivatorUtilities.CreateInstance<Scheduler>(_services, clock);

        public ValueTask DisposeAsync() => _services.DisposeAsync();
    }

    private sealed class SetClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

public sealed class SqliteSchedulerContract : SchedulerContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class PostgresSchedulerContract : SchedulerContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisSchedulerContract : SchedulerContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
