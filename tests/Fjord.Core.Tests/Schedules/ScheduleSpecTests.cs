using Fjord.Core.Functions;
using Fjord.Core.Schedules;

namespace Fjord.Core.Tests.Schedules;

public sealed class ScheduleSpecTests
{
    private static ScheduleSpec Parse(string cron, string? zone = null, string? overlap = null, string? catchUp = null)
    {
        var errors = new List<string>();
        var spec = ScheduleSpec.Parse(new ScheduleDocument { Name = "nightly", Cron = cron, Timezone = zone, Overlap = overlap, CatchUp = catchUp }, 0, errors);
        Assert.Empty(errors);
        return spec!;
    }

    [Fact]
    public void Parse_AppliesDefaults_UtcSkipLast()
    {
        var spec = Parse("0 3 * * *");
        Assert.Equal("UTC", spec.TimeZone);
        Assert.Equal(ScheduleOverlap.Skip, spec.Overlap);
        Assert.Equal(ScheduleCatchUp.Last, spec.CatchUp);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero), spec.NextAfter(new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Parse_SixFields_PutSecondsFirst()
    {
        var spec = Parse("*/5 * * * * *");
        var from = new DateTimeOffset(2026, 12, 6, 10, 0, 1, TimeSpan.Zero);
        Assert.Equal(from.AddSeconds(4), spec.NextAfter(from));
        Assert.Equal(from.AddSeconds(9), spec.NextAfter(from.AddSeconds(4)));
    }

    [Fact]
    public void Parse_Macro_IsAccepted() =>
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero), Parse("@daily").NextAfter(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero)));

    [Theory]
    [InlineData("61 * * * *", "schedules[0].cron")]
    [InlineData("* * *", "schedules[0].cron")]
    [InlineData("", "schedules[0].cron is required")]
    public void Parse_BadCron_NamesTheField(string cron, string field)
    {
        var errors = new List<string>();
        Assert.Null(ScheduleSpec.Parse(new ScheduleDocument { Name = "n", Cron = cron }, 0, errors));
        Assert.Contains(errors, e => e.StartsWith(field, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_UnknownZone_NamesTheField()
    {
        var errors = new List<string>();
        Assert.Null(ScheduleSpec.Parse(new ScheduleDocument { Name = "n", Cron = "0 3 * * *", Timezone = "Mars/Olympus_Mons" }, 2, errors));
        Assert.Equal("schedules[2].timezone 'Mars/Olympus_Mons' is not a known time zone (an IANA name like Europe/Oslo)", Assert.Single(errors));
    }

    [Theory]
    [InlineData("sometimes", null, "schedules[0].overlap")]
    [InlineData("1", null, "schedules[0].overlap")]
    [InlineData(null, "first", "schedules[0].catchUp")]
    public void Parse_BadPolicy_NamesTheField(string? overlap, string? catchUp, string field)
    {
        var errors = new List<string>();
        Assert.Null(ScheduleSpec.Parse(new ScheduleDocument { Name = "n", Cron = "0 3 * * *", Overlap = overlap, CatchUp = catchUp }, 0, errors));
        Assert.StartsWith(field, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionSpec_RejectsDuplicateNamesAndBadNames()
    {
        var errors = new List<string>();
        var doc = new FunctionDocument
        {
            Runtime = "exec",
            Command = ["/bin/true"],
            Schedules = [new() { Name = "a", Cron = "* * * * *" }, new() { Name = "a", Cron = "0 * * * *" }, new() { Name = "Bad Name", Cron = "* * * * *" }],
        };
        Assert.Null(FunctionSpec.Parse("f", doc, errors));
        Assert.Contains("schedules[1].name 'a' is used twice", errors);
        Assert.Contains(errors, e => e.StartsWith("schedules[2].name 'Bad Name'", StringComparison.Ordinal));
    }

    [Fact]
    public void FunctionSpec_RoundTripsSchedulesThroughItsDocument()
    {
        var doc = new FunctionDocument
        {
            Runtime = "exec",
            Command = ["/bin/true"],
            Schedules = [new() { Name = "nightly", Cron = "0 3 * * *", Timezone = "Europe/Oslo", Payload = "{\"a\":1}", Overlap = "queue", CatchUp = "none" }],
        };
        var spec = FunctionSpec.Parse("f", doc, [])!;
        var again = FunctionSpec.Parse("f", spec.ToDocument(), [])!;
        var schedule = Assert.Single(again.Schedules);
        Assert.Equal(("nightly", "0 3 * * *", "Europe/Oslo", "{\"a\":1}", ScheduleOverlap.Queue, ScheduleCatchUp.None),
            (schedule.Name, schedule.Cron, schedule.TimeZone, schedule.Payload, schedule.Overlap, schedule.CatchUp));
    }

    [Fact]
    public void LatestIn_FindsTheLastFireTime_AfterLongDowntime()
    {
        var spec = Parse("* * * * * *");
        var after = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var until = new DateTimeOffset(2026, 12, 8, 12, 30, 15, 500, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 12, 30, 15, TimeSpan.Zero), spec.LatestIn(after, until));
        Assert.Null(spec.LatestIn(until, until.AddMilliseconds(400)));
        // Exclusive of the start, inclusive of the end.
        Assert.Null(Parse("0 3 * * *").LatestIn(new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 7, 2, 59, 59, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero),
            Parse("0 3 * * *").LatestIn(new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void KeyLifetime_OutlivesTheGapToTheNextFireTime()
    {
        var yearly = Parse("0 0 1 1 *");
        var fire = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromDays(365) + TimeSpan.FromHours(24), ScheduleKeys.KeyLifetime(yearly, fire));
        Assert.Equal(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1), ScheduleKeys.KeyLifetime(Parse("* * * * *"), fire));
        Assert.NotEqual(ScheduleKeys.IdempotencyKey("a", fire), ScheduleKeys.IdempotencyKey("a", fire.AddSeconds(1)));
        Assert.StartsWith("\u001f", ScheduleKeys.IdempotencyKey("a", fire), StringComparison.Ordinal);
    }
}
