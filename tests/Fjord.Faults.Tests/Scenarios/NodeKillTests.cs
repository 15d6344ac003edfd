using Fjord.Faults.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Faults.Tests.Scenarios;

/// <summary>Scenario 2: the whole node SIGKILLed and restarted several times while intake keeps going.</summary>
[Collection("faults")]
public sealed class NodeKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Node_KilledAndRestartedUnderLoad_Every202SucceedsAndEveryRerunFollowsARecordedCrash()
    {
        await using var s = await FaultScenario.StartAsync(
            [new RecorderFunction("rec") { Concurrency = 4, MaxAttempts = 10 }], requestTimeout: TimeSpan.FromSeconds(5));

        // Intake runs ~10 s at a steady rate; the node dies three times inside that window.
        var load = s.Load.RunAsync("rec", count: 3000, perSecond: 300, inFlight: 32, sleepMs: 2);
        var restarts = 0;
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await s.Node.KillAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await s.Node.StartProcessAsync();
            restarts++;
        }
        await load;

        var report = await s.SettleAndCheckAsync("2. node SIGKILLed and restarted under load", TimeSpan.FromSeconds(90), null, "rec");
        output.WriteLine(report.ToString());
        output.WriteLine($"node restarts: {restarts}");

        Assert.True(report.Refused + report.Indeterminate + report.Rejected > 0, "the outages must have been seen by intake");
        Assert.True(report.Accepted > 1000, $"intake must accept between the outages ({report.Accepted})");
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Stuck);
        Assert.Equal(0, report.Phantom);
        Assert.Equal(0, report.Crossed);
        // Jobs running at the kill are recovered at the next open with a recorded crash attempt
        // ("node stopped while the job ran"): every re-run is explained by one.
        Assert.Equal(0, report.DuplicatesWithoutFailure);
    }
}
