using Fjord.Faults.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Faults.Tests.Scenarios;

/// <summary>Scenario 1: function processes SIGKILLed every few hundred ms while jobs pour in.</summary>
[Collection("faults")]
public sealed class FunctionKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FunctionProcesses_KilledUnderLoad_NoJobLostAndEveryRerunFollowsARecordedCrash()
    {
        await using var s = await FaultScenario.StartAsync([new RecorderFunction("rec") { Concurrency = 4, MaxAttempts = 10 }]);
        using var stop = new CancellationTokenSource();

        // The killer: every 250 ms, one python function process below this node, by PID.
        var killed = 0;
        var killer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(250, CancellationToken.None);
                var victims = ProcessTree.FindFunctionProcesses(s.Node.Pid, RecorderProject.HandlerFile);
                if (victims.Count > 0 && Posix.Kill(victims[Random.Shared.Next(victims.Count)], Posix.SigKill) == 0)
                    killed++;
            }
        });

        await s.Load.RunAsync("rec", count: 3000, perSecond: 600, inFlight: 32, sleepMs: 2);
        await JobsApi.WaitSettledAsync(s.Node.Http, TimeSpan.FromSeconds(90), "rec");
        await stop.CancelAsync();
        await killer;

        var report = await s.SettleAndCheckAsync("1. function processes SIGKILLed under load", TimeSpan.FromSeconds(30), null, "rec");
        output.WriteLine(report.ToString());
        output.WriteLine($"function processes killed: {killed}");

        Assert.True(killed >= 10, $"the killer must really have killed ({killed})");
        Assert.Equal(3000, report.Accepted);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Stuck);
        Assert.Equal(0, report.Phantom);
        Assert.Equal(0, report.Crossed);
        // A re-run is allowed only after a failure Fjord recorded (the killed attempt, kind crash).
        Assert.Equal(0, report.DuplicatesWithoutFailure);
    }
}
