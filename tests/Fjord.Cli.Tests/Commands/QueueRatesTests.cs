using Fjord.Cli.Client;
using Fjord.Cli.Commands;

namespace Fjord.Cli.Tests.Commands;

public sealed class QueueRatesTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; } = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    private static QueueRow Row(string name, long succeeded, long failed) => new(name, 0, 0, 0, succeeded, failed, 1, false);

    [Fact]
    public void Update_HasNoRate_OnTheFirstPoll()
    {
        var rates = new QueueRates(new ManualTime());

        Assert.Empty(rates.Update([Row("a", 10, 0)]));
    }

    [Fact]
    public void Update_DividesGrowthOfDoneByElapsedTime()
    {
        var time = new ManualTime();
        var rates = new QueueRates(time);
        rates.Update([Row("a", 100, 5), Row("b", 0, 0)]);

        time.Ticks += TimeSpan.FromSeconds(2).Ticks;
        var done = rates.Update([Row("a", 130, 15), Row("b", 0, 0), Row("new", 3, 0)]);

        Assert.Equal(20.0, done["a"], precision: 6);
        Assert.Equal(0.0, done["b"], precision: 6);
        Assert.False(done.ContainsKey("new"));
    }

    [Fact]
    public void Update_HasNoRate_WhenTotalsShrink()
    {
        var time = new ManualTime();
        var rates = new QueueRates(time);
        rates.Update([Row("a", 100, 0)]);
        time.Ticks += TimeSpan.TicksPerSecond;

        Assert.Empty(rates.Update([Row("a", 3, 0)]));
    }
}
