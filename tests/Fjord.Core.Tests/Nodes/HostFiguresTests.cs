using Fjord.Core.Nodes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Core.Tests.Nodes;

/// <summary>/proc parsing: captured samples with known steal, and the real files of this machine.</summary>
public sealed class HostFiguresTests
{
    // Two /proc/stat samples of a 2-CPU guest, 1000 ticks apart in all: 600 busy (400 user,
    // 20 nice, 150 system, 10 irq, 20 softirq), 280 idle (250 idle, 30 iowait), 120 steal.
    private const string Before = """
        cpu  10000 200 3000 50000 1000 100 200 500 0 0
        cpu0 5000 100 1500 25000 500 50 100 250 0 0
        cpu1 5000 100 1500 25000 500 50 100 250 0 0
        intr 123456
        ctxt 789
        """;

    private const string After = """
        cpu  10400 220 3150 50250 1030 110 220 620 80 0
        cpu0 5200 110 1575 25125 515 55 110 310 40 0
        cpu1 5200 110 1575 25125 515 55 110 310 40 0
        intr 123999
        """;

    [Fact]
    public void ProcStat_CapturedSamples_GiveKnownBusyAndSteal()
    {
        var before = CpuTimes.Parse(Before)!.Value;
        var after = CpuTimes.Parse(After)!.Value;
        var (busy, steal) = CpuTimes.Between(before, after);
        Assert.Equal(0.60, busy, 3);
        Assert.Equal(0.12, steal, 3);
    }

    [Fact]
    public void ProcStat_GuestTimeIsNotCountedTwice_AndOldKernelsWithoutStealParse()
    {
        // guest (80 ticks in After) is inside user already: counting it again would make busy 0.68.
        Assert.Equal(10400 + 220 + 3150 + 110 + 220, CpuTimes.Parse(After)!.Value.Busy);
        var old = CpuTimes.Parse("cpu  100 0 50 800 50\n")!.Value;
        Assert.Equal(0, old.Steal);
        Assert.Equal(1000, old.Total);
        Assert.Null(CpuTimes.Parse("intr 1 2 3\n"));
        Assert.Null(CpuTimes.Parse("cpu  x y z w\n"));
    }

    [Fact]
    public void Meminfo_And_Loadavg_Parse()
    {
        var (total, available) = HostSampler.Memory("MemTotal:       24683784 kB\nMemFree:         1000 kB\nMemAvailable:   23077816 kB\n");
        Assert.Equal(24683784L * 1024, total);
        Assert.Equal(23077816L * 1024, available);
        Assert.Equal(14.88, HostSampler.Load1("14.88 12.01 9.50 3/812 123456\n"));
    }

    [Fact]
    public void RealProc_OnThisMachine_GivesPlausibleFigures()
    {
        Assert.True(File.Exists("/proc/stat"), "this test runs on Linux");
        var sampler = new HostSampler(Path.GetTempPath(), TimeProvider.System);
        sampler.Sample();
        // Burn a little CPU so the interval has ticks in it.
        var until = DateTime.UtcNow.AddMilliseconds(300);
        var x = 0.0;
        while (DateTime.UtcNow < until)
            x += Math.Sqrt(x + 1);
        var host = sampler.Sample();
        Assert.True(x > 0);
        Assert.Equal(Environment.ProcessorCount, host.Cpus);
        Assert.InRange(host.CpuBusy, 0.0, 1.0);
        Assert.True(host.CpuBusy > 0, "300 ms of spinning shows as busy");
        Assert.InRange(host.CpuSteal, 0.0, 1.0);
        Assert.True(host.MemTotalBytes > 100L << 20);
        Assert.InRange(host.MemAvailableBytes, 1, host.MemTotalBytes);
        Assert.True(host.DiskFreeBytes > 0);
        Assert.True(host.Load1 >= 0);
    }

    [Fact]
    public async Task Heartbeat_StealAboveThreshold_IsAWarningInTheReport()
    {
        var proc = Directory.CreateTempSubdirectory("fjord-proc-");
        try
        {
            File.WriteAllText(Path.Combine(proc.FullName, "stat"), Before);
            File.WriteAllText(Path.Combine(proc.FullName, "meminfo"), "MemTotal: 2048 kB\nMemAvailable: 1024 kB\n");
            File.WriteAllText(Path.Combine(proc.FullName, "loadavg"), "0.50 0.40 0.30 1/100 42\n");
            var store = new RecordingStore();
            await using var heartbeat = new NodeHeartbeat(store, new NodeHeartbeatOptions
            {
                Id = "n1",
                Role = "worker",
                DataDir = proc.FullName,
                ProcRoot = proc.FullName,
                Slots = () => [new SlotFigures("f", 1, 4)],
            }, NullLogger.Instance);

            File.WriteAllText(Path.Combine(proc.FullName, "stat"), After);
            var report = await heartbeat.BeatAsync(default);
            Assert.Equal(["cpu steal 12% over the last minute"], report.Warnings);
            Assert.Equal(0.12, report.Host.CpuSteal, 3);
            Assert.Equal(2048 * 1024, report.Host.MemTotalBytes);
            Assert.Equal(0.5, report.Host.Load1);
            Assert.Equal([new SlotFigures("f", 1, 4)], report.Slots);
            Assert.Same(report, store.Reports.Single());

            // No CPU time passed since: no steal in the interval, but the minute still holds the 12%.
            var again = await heartbeat.BeatAsync(default);
            Assert.Equal(0, again.Host.CpuSteal);
            Assert.Equal(["cpu steal 12% over the last minute"], again.Warnings);
        }
        finally
        {
            proc.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Heartbeat_StealUnderThreshold_NoWarning()
    {
        var proc = Directory.CreateTempSubdirectory("fjord-proc-");
        try
        {
            File.WriteAllText(Path.Combine(proc.FullName, "stat"), Before);
            await using var heartbeat = new NodeHeartbeat(new RecordingStore(), new NodeHeartbeatOptions
            {
                Id = "n1",
                Role = "gateway",
                DataDir = proc.FullName,
                ProcRoot = proc.FullName,
                StealWarning = 0.2,
            }, NullLogger.Instance);
            File.WriteAllText(Path.Combine(proc.FullName, "stat"), After);
            var report = await heartbeat.BeatAsync(default);
            Assert.Empty(report.Warnings);
            Assert.Empty(report.Slots);
        }
        finally
        {
            proc.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("0.1", 0.1)]
    [InlineData("10%", 0.1)]
    [InlineData("12", 0.12)]
    public void StealThreshold_ParsesFractionsAndPercentages(string text, double expected) =>
        Assert.Equal(expected, NodeHeartbeat.ParseThreshold(text)!.Value, 6);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1")]
    public void StealThreshold_RejectsNonsense(string? text) => Assert.Null(NodeHeartbeat.ParseThreshold(text));

    private sealed class RecordingStore : INodeStore
    {
        public List<NodeReport> Reports { get; } = [];

        public Task BeatAsync(NodeReport report, CancellationToken cancellationToken)
        {
            Reports.Add(report);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<NodeRecord>> ListNodesAsync(TimeSpan silentAfter, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<NodeRecord>>([]);
    }
}
