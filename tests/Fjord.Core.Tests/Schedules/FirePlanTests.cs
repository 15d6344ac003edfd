using Fjord.Core.Schedules;
using Fjord.Core.Storage;

namespace Fjord.Core.Tests.Schedules;

/// <summary>The fire-time arithmetic, driven with hand-set times (no clock, no store).</summary>
public sealed class FirePlanTests
{
    private static readonly TimeSpan Grace = FirePlan.DefaultGrace;
    private static readonly TimeSpan Oslo = TimeSpan.FromHours(1);
    private static readonly TimeSpan OsloSummer = TimeSpan.FromHours(2);

    private static ScheduleSpec Spec(string cron, string zone = "UTC", string? catchUp = null) =>
        ScheduleSpec.Parse(new ScheduleDocument { Name = "s", Cron = cron, Timezone = zone, CatchUp = catchUp }, 0, [])!;

    private static ScheduleState State(DateTimeOffset cursor, bool paused = false) =>
        new("f", "s", "sig", paused, cursor, null, null, 0);

    [Fact]
    public void Decide_WaitsUntilTheNextFireTime()
    {
        var spec = Spec("0 3 * * *");
        var now = new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
        var plan = FirePlan.Decide(spec, State(now.AddHours(-1)), now, firstLook: false, Grace);
        Assert.Equal(FireAction.Wait, plan.Action);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero), plan.NextAt);
    }

    [Fact]
    public void Decide_FiresAtTheFireTime_AndPointsAtTheNextOne()
    {
        var spec = Spec("0 3 * * *");
        var fire = new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
        var plan = FirePlan.Decide(spec, State(fire.AddDays(-1)), fire, firstLook: false, Grace);
        Assert.Equal((FireAction.Fire, fire, fire.AddDays(1)), (plan.Action, plan.FireAt, plan.NextAt));
        // Once handled (cursor at the fire time), the same instant is no longer due.
        Assert.Equal(FireAction.Wait, FirePlan.Decide(spec, State(fire), fire.AddMilliseconds(5), firstLook: false, Grace).Action);
    }

    [Fact]
    public void Decide_SecondsField_FiresEverySecond()
    {
        var spec = Spec("* * * * * *");
        var t = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        var fired = new List<DateTimeOffset>();
        var cursor = t;
        for (var now = t; now <= t.AddSeconds(5); now = now.AddMilliseconds(250))
        {
            var plan = FirePlan.Decide(spec, State(cursor), now, firstLook: false, Grace);
            if (plan.Action == FireAction.Fire)
            {
                fired.Add(plan.FireAt!.Value);
                cursor = plan.FireAt.Value;
            }
        }
        Assert.Equal(Enumerable.Range(1, 5).Select(i => t.AddSeconds(i)), fired);
    }

    [Fact]
    public void Decide_AfterDowntime_CatchUpLast_RunsTheLatestMissedOnce()
    {
        var spec = Spec("0 * * * *");
        var lastRun = new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2026, 12, 6, 5, 20, 0, TimeSpan.Zero);
        var plan = FirePlan.Decide(spec, State(lastRun), now, firstLook: true, Grace);
        Assert.Equal((FireAction.Fire, new DateTimeOffset(2026, 12, 6, 5, 0, 0, TimeSpan.Zero)), (plan.Action, plan.FireAt));
        Assert.Equal(FireAction.Wait, FirePlan.Decide(spec, State(plan.FireAt!.Value), now, firstLook: false, Grace).Action);
    }

    [Fact]
    public void Decide_AfterDowntime_CatchUpNone_DropsLateFireTimes_ButRunsOneWithinGrace()
    {
        var spec = Spec("0 * * * *", catchUp: "none");
        var lastRun = new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);
        var late = FirePlan.Decide(spec, State(lastRun), new DateTimeOffset(2026, 12, 6, 5, 20, 0, TimeSpan.Zero), firstLook: true, Grace);
        Assert.Equal((FireAction.Miss, new DateTimeOffset(2026, 12, 6, 5, 0, 0, TimeSpan.Zero)), (late.Action, late.FireAt));

        // A gateway restarted at the fire time still makes that run.
        var onTime = FirePlan.Decide(spec, State(lastRun), new DateTimeOffset(2026, 12, 6, 5, 0, 20, TimeSpan.Zero), firstLook: true, Grace);
        Assert.Equal(FireAction.Fire, onTime.Action);

        // In a running gateway a late fire time (it waited for the store) is not downtime.
        Assert.Equal(FireAction.Fire, FirePlan.Decide(spec, State(lastRun), new DateTimeOffset(2026, 12, 6, 5, 20, 0, TimeSpan.Zero), firstLook: false, Grace).Action);
    }

    [Fact]
    public void Decide_Paused_NeverFires()
    {
        var spec = Spec("* * * * *");
        var now = new DateTimeOffset(2026, 12, 6, 5, 0, 0, TimeSpan.Zero);
        Assert.Equal(new FirePlan(FireAction.Wait, null, null), FirePlan.Decide(spec, State(now.AddHours(-1), paused: true), now, firstLook: false, Grace));
    }

    [Fact]
    public void Oslo_SpringForwardGap_RunsOnceWhenTheClockJumps()
    {
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that night.
        var spec = Spec("30 2 * * *", "Europe/Oslo");
        var before = new DateTimeOffset(2026, 3, 28, 12, 0, 0, Oslo);
        var fires = Walk(spec, before, before.AddDays(2));
        Assert.Equal(
            [new DateTimeOffset(2026, 3, 29, 3, 0, 0, OsloSummer), new DateTimeOffset(2026, 3, 30, 2, 30, 0, OsloSummer)],
            fires);
    }

    [Fact]
    public void Oslo_FallBackOverlap_FixedTimeRunsOnce_IntervalRunsInBothHours()
    {
        // 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:00-02:59 happens twice.
        var start = new DateTimeOffset(2026, 10, 24, 12, 0, 0, OsloSummer);
        var fixedTime = Walk(Spec("30 2 * * *", "Europe/Oslo"), start, start.AddDays(1));
        Assert.Equal([new DateTimeOffset(2026, 10, 25, 2, 30, 0, OsloSummer)], fixedTime);

        var interval = Walk(Spec("*/30 2 * * *", "Europe/Oslo"), start, start.AddDays(1));
        Assert.Equal(
            [
                new DateTimeOffset(2026, 10, 25, 2, 0, 0, OsloSummer),
                new DateTimeOffset(2026, 10, 25, 2, 30, 0, OsloSummer),
                new DateTimeOffset(2026, 10, 25, 2, 0, 0, Oslo),
                new DateTimeOffset(2026, 10, 25, 2, 30, 0, Oslo),
            ],
            interval);
    }

    [Fact]
    public void Oslo_FireTimesAreDistinctInstants_SoTheirKeysDiffer()
    {
        var first = new DateTimeOffset(2026, 10, 25, 2, 0, 0, OsloSummer);
        var second = new DateTimeOffset(2026, 10, 25, 2, 0, 0, Oslo);
        Assert.NotEqual(ScheduleKeys.IdempotencyKey("s", first), ScheduleKeys.IdempotencyKey("s", second));
    }

    /// <summary>A scheduler that looks every 10 minutes from <paramref name="from"/> to <paramref name="to"/>, as a running gateway would.</summary>
    private static List<DateTimeOffset> Walk(ScheduleSpec spec, DateTimeOffset from, DateTimeOffset to)
    {
        var fired = new List<DateTimeOffset>();
        var cursor = from;
        for (var now = from; now <= to; now = now.AddMinutes(10))
        {
            var plan = FirePlan.Decide(spec, State(cursor), now, firstLook: false, Grace);
            if (plan.Action == FireAction.Fire)
            {
                fired.Add(plan.FireAt!.Value);
                cursor = plan.FireAt.Value;
            }
        }
        return fired;
    }
}
