using Fjord.Core.Functions;

namespace Fjord.Core.Tests.Functions;

public sealed class BackoffTests
{
    private static readonly Backoff OneSecondToOneMinute = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    [Theory]
    [InlineData(1, 1_000)]
    [InlineData(2, 2_000)]
    [InlineData(3, 4_000)]
    [InlineData(6, 32_000)]
    [InlineData(7, 60_000)]
    [InlineData(50, 60_000)]
    public void DelayAfter_CeilingDoublesUpToMax(int failedAttempt, double ceilingMs)
    {
        Assert.Equal(ceilingMs, OneSecondToOneMinute.DelayAfter(failedAttempt, 1.0).TotalMilliseconds, 3);
        Assert.Equal(ceilingMs / 2, OneSecondToOneMinute.DelayAfter(failedAttempt, 0.0).TotalMilliseconds, 3);
    }

    [Fact]
    public void DelayAfter_JitterSpreadsRetriesOfJobsThatFailedTogether()
    {
        var delays = Enumerable.Range(0, 100).Select(i => OneSecondToOneMinute.DelayAfter(4, i / 100.0)).Distinct().Count();
        Assert.Equal(100, delays);
    }

    [Fact]
    public void DelayAfter_NeverBelowHalfTheCeiling_EvenWithOutOfRangeRandom()
    {
        Assert.Equal(500, OneSecondToOneMinute.DelayAfter(1, -3).TotalMilliseconds, 3);
        Assert.Equal(1_000, OneSecondToOneMinute.DelayAfter(1, 7).TotalMilliseconds, 3);
        Assert.Equal(500, OneSecondToOneMinute.DelayAfter(0, 0).TotalMilliseconds, 3);
    }
}
