using Fjord.Faults.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Faults.Tests.Scenarios;

/// <summary>Scenario 4: SIGTERM under load drains: running jobs finish or go back; nothing runs twice.</summary>
[Collection("faults")]
public sealed class GracefulStopTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Node_TerminatedUnderLoad_ExitsZeroAndRestartsWithNoDuplicates()
    {
        await using var s = await FaultScenario.StartAsync(
            [new RecorderFunction("rec") { Concurrency = 4, MaxAttempts = 10 }],
            new Dictionary<string, string> { ["FJORD_DRAIN_GRACE"] = "5s" },
            requestTimeout: TimeSpan.FromSeconds(5));

        var load = s.Load.RunAsync("rec", count: 3000, perSecond: 300, inFlight: 32, sleepMs: 5);
        var exitCodes = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            exitCodes.Add(await s.Node.TerminateAsync(TimeSpan.FromSeconds(30)));
            await s.Node.StartProcessAsync();
        }
        await load;

        var report = await s.SettleAndCheckAsync("4. SIGTERM under load, then restart", TimeSpan.FromSeconds(90), null, "rec");
        output.WriteLine(report.ToString());
        output.WriteLine($"exit codes: {string.Join(", ", exitCodes)}");

        Assert.All(exitCodes, code => Assert.Equal(0, code));
        Assert.True(report.Accepted > 1000, $"intake must accept around the stops ({report.Accepted})");
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Stuck);
        Assert.Equal(0, report.Phantom);
        Assert.Equal(0, report.Crossed);
        // The drain path: a job either finished inside the grace period or was handed back before
        // it ran to its end, so nothing ran twice, with or without a recorded failure.
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.DeadLetters);
    }
}
