using System.Globalization;
using Fjord.Runtime.Processes;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// The cgroup(s) of one function process. Everything it forks stays inside, detached or not, so
/// killing every pid listed here is how a timeout reaches a grandchild that left the process group.
/// </summary>
internal sealed class CgroupLease
{
    private readonly int _version;
    private readonly List<string> _dirs;
    private readonly string _memoryDir;
    private readonly string _cpuDir;

    public CgroupLease(int version, List<string> dirs, string memoryDir, string cpuDir)
    {
        _version = version;
        _dirs = dirs;
        _memoryDir = memoryDir;
        _cpuDir = cpuDir;
    }

    /// <summary>CPU time used by every process of the group so far (v1 cpuacct.usage, v2 cpu.stat usage_usec).</summary>
    public TimeSpan CpuUsage() => CgroupSweep.CpuUsage(_version, _cpuDir);

    /// <summary>The cgroup.procs files the launcher writes its own pid to before it execs user code.</summary>
    public IReadOnlyList<string> ProcsFiles => _dirs.Select(d => Path.Combine(d, "cgroup.procs")).ToArray();

    /// <summary>How many times the kernel's OOM killer fired inside this group.</summary>
    public long OomKills()
    {
        var file = Path.Combine(_memoryDir, _version == 2 ? "memory.events" : "memory.oom_control");
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    return n;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    public IReadOnlyList<int> Pids()
    {
        var pids = new List<int>();
        foreach (var file in ProcsFiles)
        {
            try
            {
                foreach (var line in File.ReadLines(file))
                {
                    if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !pids.Contains(pid))
                        pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }
        return pids;
    }

    /// <summary>
    /// SIGKILLs every process in the group until it is empty. A process may fork between our read
    /// and our kill, so repeat; pids.max bounds how many there can be.
    /// </summary>
    /// <remarks>
    /// <paramref name="lastPid"/> (our direct child) dies last, and only after the others are gone
    /// or a short wait: while it lives it (bwrap, or a shell) reaps its descendants. Killed
    /// together, they would be orphaned to the host's init, and their zombies keep the cgroup
    /// from being removed until init gets round to reaping them.
    /// </remarks>
    public bool KillAll(TimeSpan within, int lastPid)
    {
        if (_version == 2 && TryCgroupKill())
            return WaitEmpty(within);
        var deadline = Environment.TickCount64 + (long)within.TotalMilliseconds;
        var spareUntil = Environment.TickCount64 + 250;
        // Usually the group is empty or its last process is already being reaped: look again
        // after 1 ms, backing off to 5 ms, rather than make every fork-mode job wait 5 ms.
        var pause = 1;
        while (true)
        {
            var pids = Pids();
            if (pids.Count == 0)
                return true;
            var spare = Environment.TickCount64 < spareUntil && pids.Count > 1;
            foreach (var pid in pids)
            {
                if (!spare || pid != lastPid)
                    Libc.KillProcess(pid);
            }
            if (Environment.TickCount64 > deadline)
                return false;
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 5);
        }
    }

    private bool TryCgroupKill()
    {
        var kill = Path.Combine(_memoryDir, "cgroup.kill");
        if (!File.Exists(kill))
            return false;
        try
        {
            File.WriteAllText(kill, "1");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private bool WaitEmpty(TimeSpan within)
    {
        var deadline = Environment.TickCount64 + (long)within.TotalMilliseconds;
        while (Pids().Count > 0)
        {
            if (Environment.TickCount64 > deadline)
                return false;
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>
    /// Removes the group now if it can, else keeps trying in the background for a few minutes: a
    /// killed sandbox's inner processes are reparented to the host's init, and an init that reaps
    /// lazily keeps their zombies (and so the group) around for a while.
    /// </summary>
    public void RemoveEventually()
    {
        if (Remove(attempts: 8))
            return;
        _ = Task.Run(async () =>
        {
            for (var i = 0; i < 300 && !Remove(attempts: 1); i++)
                await Task.Delay(TimeSpan.FromSeconds(1));
        });
    }

    /// <summary>Removes the group(s). rmdir fails while a dying process is still being reaped: retry briefly.</summary>
    public bool Remove(int attempts = 40)
    {
        var ok = true;
        foreach (var dir in Enumerable.Reverse(_dirs))
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    if (Directory.Exists(dir))
                        Directory.Delete(dir);
                    break;
                }
                catch (IOException) when (i < attempts - 1)
                {
                    Thread.Sleep(25);
                }
                catch (IOException)
                {
                    ok = false;
                    break;
                }
            }
        }
        return ok;
    }
}
