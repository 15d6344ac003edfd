using Fjord.Core.Functions;
using Fjord.Core.Queue;
using Fjord.Worker.Scaling;

namespace Fjord.Worker.Tests.Scaling;

/// <summary>The scaling rule alone, on a clock the test moves (no processes, no store).</summary>
public sealed class ScalingPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);

    private static FunctionSpec Elastic(int min, int max, string idle = "5m", string target = "1s") =>
        FunctionSpec.Parse("fn", new FunctionDocument
        {
            Runtime = "exec",
            Command = ["true"],
            Concurrency = new ConcurrencyDocument { Min = min, Max = max },
            IdleTimeout = idle,
            TargetWait = target,
        }, [])!;

    private static PoolSignals Signals(int live, int busy, long ready = 0, double ageMs = 0, double? runMs = null) =>
        new(live, busy, busy, new Backlog(ready, TimeSpan.FromMilliseconds(ageMs)), runMs is { } r ? TimeSpan.FromMilliseconds(r) : null);

    [Fact]
    public void StartsAtMin_AndAFixedPoolAlwaysWantsItsConcurrency()
    {
        Assert.Equal(2, new ScalingPolicy(Elastic(2, 8), T0).Current.Desired);
        var fixedPool = new ScalingPolicy(FunctionSpec.Parse("f", new FunctionDocument { Runtime = "exec", Command = ["true"], Concurrency = 4 }, [])!, T0);
        Assert.Equal(4, fixedPool.Decide(Signals(4, 4, ready: 500, ageMs: 60_000), T0).Desired);
        Assert.Equal(4, fixedPool.Decide(Signals(4, 0), T0.AddHours(1)).Desired);
    }

    [Fact]
    public void AtZero_OneReadyJobStartsOneProcessAtOnce_WithoutWaitingForTargetWait()
    {
        var policy = new ScalingPolicy(Elastic(0, 16), T0);
        Assert.Equal(0, policy.Decide(Signals(0, 0), T0).Desired);
        var d = policy.Decide(Signals(0, 0, ready: 1, ageMs: 0), T0.AddMilliseconds(1));
        Assert.Equal(1, d.Desired);
        Assert.Contains("scale from zero", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GrowsWhenTheOldestReadyJobWaitedLongerThanTargetWait_NotBefore()
    {
        var policy = new ScalingPolicy(Elastic(1, 16), T0);
        // Two ready, the oldest 900 ms: inside targetWait, and at 10 ms a job the depth says it clears in time.
        Assert.Equal(1, policy.Decide(Signals(1, 1, ready: 2, ageMs: 900, runMs: 10), T0.AddSeconds(1)).Desired);
        var d = policy.Decide(Signals(1, 1, ready: 2, ageMs: 1200, runMs: 10), T0.AddSeconds(2));
        Assert.Equal(2, d.Desired);
        Assert.Contains("oldest ready waited 1200ms", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GrowsByDepth_BeforeTheOldestJobIsLate_EnoughToClearItWithinTargetWait()
    {
        var policy = new ScalingPolicy(Elastic(0, 16), T0);
        // 200 ready at 50 ms each = 10 s of work for one process: ~10 processes clear it within 1 s.
        var d = policy.Decide(Signals(1, 1, ready: 200, ageMs: 20, runMs: 50), T0.AddSeconds(1));
        Assert.Equal(10, d.Desired);
        Assert.Contains("would wait", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NeverWantsMoreThanMax()
    {
        var policy = new ScalingPolicy(Elastic(0, 4), T0);
        Assert.Equal(4, policy.Decide(Signals(2, 2, ready: 10_000, ageMs: 30_000, runMs: 100), T0.AddSeconds(1)).Desired);
        Assert.Equal(4, policy.Decide(Signals(4, 4, ready: 10_000, ageMs: 60_000, runMs: 100), T0.AddSeconds(2)).Desired);
    }

    [Fact]
    public void ShrinksOneAtATime_OnlyAfterIdleTimeoutWithoutWork_DownToMin()
    {
        var policy = new ScalingPolicy(Elastic(1, 8, idle: "10s"), T0);
        Assert.Equal(4, policy.Decide(Signals(1, 1, ready: 100, ageMs: 5000, runMs: 40), T0).Desired);

        // Busy until T0+1s, then nothing. Not before 10 s after the last growth and the last busy moment.
        policy.Decide(Signals(4, 4), T0.AddSeconds(1));
        Assert.Equal(4, policy.Decide(Signals(4, 0), T0.AddSeconds(5)).Desired);
        Assert.Equal(4, policy.Decide(Signals(4, 0), T0.AddSeconds(10.5)).Desired);
        var first = policy.Decide(Signals(4, 0), T0.AddSeconds(11.5));
        Assert.Equal(3, first.Desired);
        Assert.Contains("idleTimeout 10s", first.Reason, StringComparison.Ordinal);

        // One at a time: nothing more until the pool has actually shrunk.
        Assert.Equal(3, policy.Decide(Signals(4, 0), T0.AddSeconds(11.6)).Desired);
        Assert.Equal(2, policy.Decide(Signals(3, 0), T0.AddSeconds(11.7)).Desired);
        Assert.Equal(1, policy.Decide(Signals(2, 0), T0.AddSeconds(11.8)).Desired);
        Assert.Equal(1, policy.Decide(Signals(1, 0), T0.AddSeconds(60)).Desired);
    }

    [Fact]
    public void KeepsWhatItNeeded_WithinIdleTimeout_AndScalesToZeroWithMinZero()
    {
        var policy = new ScalingPolicy(Elastic(0, 8, idle: "1s"), T0);
        policy.Decide(Signals(0, 0, ready: 1), T0);
        Assert.Equal(2, policy.Decide(Signals(1, 1, ready: 3, ageMs: 2000, runMs: 10), T0.AddSeconds(1)).Desired);
        // Two busy at the peak half a second ago: both are still needed.
        policy.Decide(Signals(2, 2), T0.AddSeconds(1.5));
        Assert.Equal(2, policy.Decide(Signals(2, 0), T0.AddSeconds(2.2)).Desired);
        Assert.Equal(1, policy.Decide(Signals(2, 0), T0.AddSeconds(2.6)).Desired);
        Assert.Equal(0, policy.Decide(Signals(1, 0), T0.AddSeconds(2.7)).Desired);
    }

    [Fact]
    public void ReadyWork_StopsTheShrinking()
    {
        var policy = new ScalingPolicy(Elastic(0, 8, idle: "1s"), T0);
        policy.Decide(Signals(0, 0, ready: 1), T0);
        Assert.Equal(2, policy.Decide(Signals(1, 1, ready: 3, ageMs: 2000, runMs: 10), T0.AddSeconds(0.1)).Desired);
        Assert.Equal(2, policy.Decide(Signals(2, 2, ready: 1, ageMs: 10, runMs: 5), T0.AddSeconds(5)).Desired);
    }
}
