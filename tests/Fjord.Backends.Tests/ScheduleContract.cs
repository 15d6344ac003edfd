namespace Fjord.Backends.Tests;

/// <summary>Schedule state and long-lived idempotency keys (issue 13), run against every backend.</summary>
public abstract class ScheduleContract
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task Ensure_CreatesAtNow_KeepsItsCursor_AndStartsOverOnANewSignature()
    {
        await using var b = await CreateAsync();
        var s = b.Schedules;
        var fn = Jobs.NewFunction();
        var state = await s.EnsureScheduleStateAsync(fn, "nightly", "0 3 * * * @UTC", T0, default);
        Assert.Equal((T0, false, null, null, 0L), (state.Cursor, state.Paused, state.LastFireAt, state.LastJobId, state.Skipped));

        await s.RecordScheduleFireAsync(fn, "nightly", T0.AddHours(1), "job1", default);
        Assert.True(await s.PassScheduleFireAsync(fn, "nightly", T0.AddHours(2), skipped: true, default));
        Assert.True(await s.SetSchedulePausedAsync(fn, "nightly", true, T0.AddHours(2), default));
        var again = await s.EnsureScheduleStateAsync(fn, "nightly", "0 3 * * * @UTC", T0.AddHours(5), default);
        Assert.Equal(T0.AddHours(2), again.Cursor);

        var changed = await s.EnsureScheduleStateAsync(fn, "nightly", "0 4 * * * @UTC", T0.AddHours(6), default);
        Assert.Equal((T0.AddHours(6), true, 1L, "job1"), (changed.Cursor, changed.Paused, changed.Skipped, changed.LastJobId));
    }

    [Fact]
    public async Task RecordFire_OnlyMovesForward_AndTriggerLeavesTheCursor()
    {
        await using var b = await CreateAsync();
        var s = b.Schedules;
        var fn = Jobs.NewFunction();
        await s.EnsureScheduleStateAsync(fn, "m", "sig", T0, default);
        await s.RecordScheduleFireAsync(fn, "m", T0.AddMinutes(2), "job2", default);
        // A slow gateway records an older fire time late: nothing moves back.
        await s.RecordScheduleFireAsync(fn, "m", T0.AddMinutes(1), "job1", default);
        var state = Assert.Single(await s.ListScheduleStatesAsync(default), x => x.Function == fn);
        Assert.Equal((T0.AddMinutes(2), T0.AddMinutes(2), "job2"), (state.Cursor, state.LastFireAt, state.LastJobId));

        await s.RecordScheduleTriggerAsync(fn, "m", T0.AddMinutes(5), "manual", default);
        state = Assert.Single(await s.ListScheduleStatesAsync(default), x => x.Function == fn);
        Assert.Equal((T0.AddMinutes(2), T0.AddMinutes(5), "manual"), (state.Cursor, state.LastFireAt, state.LastJobId));
    }

    [Fact]
    public async Task Pass_IsCompareAndSet_SoTwoGatewaysCountOneSkip()
    {
        await using var b = await CreateAsync();
        var s = b.Schedules;
        var fn = Jobs.NewFunction();
        await s.EnsureScheduleStateAsync(fn, "m", "sig", T0, default);
        var fire = T0.AddMinutes(1);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => s.PassScheduleFireAsync(fn, "m", fire, skipped: true, default)));
        Assert.Single(results, won => won);
        Assert.False(await s.PassScheduleFireAsync(fn, "m", T0.AddSeconds(30), skipped: true, default));
        var state = Assert.Single(await s.ListScheduleStatesAsync(default), x => x.Function == fn);
        Assert.Equal((fire, 1L), (state.Cursor, state.Skipped));

        // A miss (catchUp: none) moves the cursor without counting a skip.
        Assert.True(await s.PassScheduleFireAsync(fn, "m", T0.AddMinutes(2), skipped: false, default));
        Assert.Equal(1L, Assert.Single(await s.ListScheduleStatesAsync(default), x => x.Function == fn).Skipped);
    }

    [Fact]
    public async Task Resume_MovesTheCursorToNow_SoAPauseIsNotCaughtUp()
    {
        await using var b = await CreateAsync();
        var s = b.Schedules;
        var fn = Jobs.NewFunction();
        Assert.False(await s.SetSchedulePausedAsync(fn, "m", true, T0, default));
        await s.EnsureScheduleStateAsync(fn, "m", "sig", T0, default);
        Assert.True(await s.SetSchedulePausedAsync(fn, "m", true, T0.AddHours(1), default));
        Assert.Equal(T0, Assert.Single(await s.ListScheduleStatesAsync(default), x => x.Function == fn).Cursor);
        Assert.True(await s.SetSchedulePausedAsync(fn, "m", false, T0.AddHours(3), default));
        var state = Assert.Single(await s.ListScheduleStatesAsync(default), x => x.Function == fn);
        Assert.Equal((false, T0.AddHours(3)), (state.Paused, state.Cursor));

        // Resuming a running schedule must not drop a fire time it is about to make.
        Assert.True(await s.SetSchedulePausedAsync(fn, "m", false, T0.AddHours(4), default));
        Assert.Equal(T0.AddHours(3), Assert.Single(await s.ListScheduleStatesAsync(default), x => x.Function == fn).Cursor);
    }

    [Fact]
    public async Task Forget_DropsSchedulesTheSpecNoLongerNames()
    {
        await using var b = await CreateAsync();
        var s = b.Schedules;
        var fn = Jobs.NewFunction();
        var other = Jobs.NewFunction();
        await s.EnsureScheduleStateAsync(fn, "a", "sig", T0, default);
        await s.EnsureScheduleStateAsync(fn, "b", "sig", T0, default);
        await s.EnsureScheduleStateAsync(other, "a", "sig", T0, default);
        await s.ForgetSchedulesAsync(fn, ["b"], default);
        Assert.Equal(["b"], (await s.ListScheduleStatesAsync(default)).Where(x => x.Function == fn).Select(x => x.Name));
        await s.ForgetSchedulesAsync(fn, [], default);
        Assert.Equal([other], (await s.ListScheduleStatesAsync(default)).Select(x => x.Function));
    }

    [Fact]
    public async Task IdempotencyKey_WithALongerLifetime_OutlivesTheDayWindow()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var yearly = Jobs.New(fn, key: "yearly") with { IdempotencyLifetime = TimeSpan.FromDays(366) };
        var daily = Jobs.New(fn, key: "daily");
        await b.Queue.EnqueueAsync([yearly], default);
        await b.Queue.EnqueueAsync([daily], default);

        await b.AgeIdempotencyKeysAsync(TimeSpan.FromDays(30));
        var yearlyAgain = await b.Queue.EnqueueAsync([Jobs.New(fn, key: "yearly") with { IdempotencyLifetime = TimeSpan.FromDays(366) }], default);
        var dailyAgain = await b.Queue.EnqueueAsync([Jobs.New(fn, key: "daily")], default);
        Assert.Equal((yearly.Id, true), (yearlyAgain[0].Id, yearlyAgain[0].Existing));
        Assert.False(dailyAgain[0].Existing);

        await b.AgeIdempotencyKeysAsync(TimeSpan.FromDays(340));
        var yearLater = await b.Queue.EnqueueAsync([Jobs.New(fn, key: "yearly")], default);
        Assert.False(yearLater[0].Existing);
    }
}

public sealed class SqliteScheduleContract : ScheduleContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class PostgresScheduleContract : ScheduleContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisScheduleContract : ScheduleContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
