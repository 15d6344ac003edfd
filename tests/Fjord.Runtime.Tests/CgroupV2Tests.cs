using System.Globalization;
using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime.Tests;

/// <summary>
/// The cgroup v2 path, which this machine (v1) cannot run for real: CgroupHost against a folder
/// tree shaped like a systemd unit's delegated group (<c>system.slice/fjord.service</c>). Plain
/// files stand in for the kernel's, so these tests check what the node writes where; that the
/// kernel accepts it is for a v2 host (docs/deploy.md).
/// </summary>
public sealed class CgroupV2Tests : IDisposable
{
    private const string Unit = "system.slice/fjord.service";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "fjord-cgv2-" + Guid.NewGuid().ToString("N"));
    private readonly string _self;
    private readonly string _unit;
    private static readonly string Pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public CgroupV2Tests()
    {
        _unit = Path.Combine(_root, Unit);
        Directory.CreateDirectory(_unit);
        File.WriteAllText(Path.Combine(_root, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        File.WriteAllText(Path.Combine(_unit, "cgroup.controllers"), "cpu io memory pids\n");
        File.WriteAllText(Path.Combine(_unit, "cgroup.procs"), Pid + "\n");
        File.WriteAllText(Path.Combine(_unit, "cgroup.subtree_control"), "");
        _self = Path.Combine(_root, "self-cgroup");
        File.WriteAllText(_self, $"0::/{Unit}\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Detect_MovesItselfIntoALeaf_ThenDelegatesTheControllersDownToItsScope()
    {
        var host = CgroupHost.Detect(_root, _self, "scope-a", clearScope: false, out var problem);

        Assert.Null(problem);
        Assert.NotNull(host);
        Assert.Equal(2, host.Version);
        // No internal processes: the node sits in a leaf beside its functions' groups.
        Assert.Equal(Pid, Read(_unit, CgroupHost.NodeLeaf, "cgroup.procs"));
        Assert.Equal("+memory +pids +cpu", Read(_unit, "cgroup.subtree_control"));
        Assert.Equal("+memory +pids +cpu", Read(_unit, "fjord", "cgroup.subtree_control"));
        Assert.Equal("+memory +pids +cpu", Read(_unit, "fjord", "scope-a", "cgroup.subtree_control"));
        Assert.Equal(Path.Combine(_unit, "fjord", "scope-a"), host.Bases["unified"]);
    }

    [Fact]
    public void Create_WritesMemoryPidsAndCpuLimits_AndKillUsesCgroupKill()
    {
        var host = CgroupHost.Detect(_root, _self, "scope-b", clearScope: false, out _)!;

        var lease = host.Create("job-1", new CgroupLimits(256L << 20, 64, 1.5));

        var group = Path.Combine(host.Bases["unified"], "job-1");
        Assert.Equal("268435456", Read(group, "memory.max"));
        Assert.Equal("64", Read(group, "pids.max"));
        Assert.Equal("150000 100000", Read(group, "cpu.max"));
        Assert.Equal([Path.Combine(group, "cgroup.procs")], lease.ProcsFiles);

        File.WriteAllText(Path.Combine(group, "cgroup.kill"), "0");
        File.WriteAllText(Path.Combine(group, "memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        File.WriteAllText(Path.Combine(group, "cpu.stat"), "usage_usec 1500\nuser_usec 1000\n");
        Assert.True(lease.KillAll(TimeSpan.FromSeconds(1), lastPid: 0));
        Assert.Equal("1", Read(group, "cgroup.kill"));
        Assert.Equal(1, lease.OomKills());
        Assert.Equal(TimeSpan.FromMicroseconds(1500), lease.CpuUsage());
    }

    [Fact]
    public void Create_WithoutCpuQuota_LeavesCpuMaxAlone_AndCapMemoryBoundsTheScope()
    {
        var host = CgroupHost.Detect(_root, _self, "scope-c", clearScope: false, out _)!;

        host.Create("job-2", new CgroupLimits(64L << 20, 16, null));
        host.CapMemory(1L << 30);

        Assert.False(File.Exists(Path.Combine(host.Bases["unified"], "job-2", "cpu.max")));
        Assert.Equal("1073741824", Read(host.Bases["unified"], "memory.max"));
    }

    [Fact]
    public void Detect_Again_FromTheLeaf_UsesTheUnitsGroup_NotANestedOne()
    {
        CgroupHost.Detect(_root, _self, "scope-d", clearScope: false, out _);
        // After the move, /proc/self/cgroup names the leaf.
        File.WriteAllText(_self, $"0::/{Unit}/{CgroupHost.NodeLeaf}\n");

        var again = CgroupHost.Detect(_root, _self, "scope-d", clearScope: false, out var problem);

        Assert.Null(problem);
        Assert.Equal(Path.Combine(_unit, "fjord", "scope-d"), again!.Bases["unified"]);
        Assert.False(Directory.Exists(Path.Combine(_unit, CgroupHost.NodeLeaf, CgroupHost.NodeLeaf)));
    }

    [Fact]
    public void Detect_WithoutDelegation_SaysWhatToSet_AndTouchesNothing()
    {
        File.WriteAllText(Path.Combine(_unit, "cgroup.controllers"), "cpu io\n");

        var host = CgroupHost.Detect(_root, _self, "scope-e", clearScope: false, out var problem);

        Assert.Null(host);
        Assert.Contains("memory, pids", problem, StringComparison.Ordinal);
        Assert.Contains("Delegate=yes", problem, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_unit, CgroupHost.NodeLeaf)));
        Assert.Equal("", Read(_unit, "cgroup.subtree_control"));
    }

    private static string Read(params string[] path) => File.ReadAllText(Path.Combine(path)).Trim();
}
