using System.Globalization;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// The cgroup hierarchy Fjord may create groups in: v1 (one mount per controller, as on this
/// project's hosts without systemd) or v2 (one unified tree). Groups live under
/// <c>&lt;our own cgroup&gt;/fjord/</c> so a function process never escapes the limits the
/// worker itself runs under.
/// </summary>
internal sealed class CgroupHost
{
    private const string FjordDir = "fjord";
    private static readonly string[] V1Controllers = ["memory", "pids", "cpu"];

    private readonly Dictionary<string, string> _bases;

    private CgroupHost(int version, Dictionary<string, string> bases)
    {
        Version = version;
        _bases = bases;
    }

    public int Version { get; }

    /// <summary>Where groups are created, per controller (v2: one entry, key "unified").</summary>
    public IReadOnlyDictionary<string, string> Bases => _bases;

    /// <summary>Finds a writable hierarchy and proves it by creating and removing a probe group.</summary>
    public static CgroupHost? Detect(string root, string procSelfCgroup, out string? problem)
    {
        problem = null;
        try
        {
            var own = File.Exists(procSelfCgroup) ? File.ReadAllLines(procSelfCgroup) : [];
            CgroupHost? host = File.Exists(Path.Combine(root, "cgroup.controllers"))
                ? DetectV2(root, own, out problem)
                : DetectV1(root, own, out problem);
            if (host is null)
                return null;
            host.SweepStale(TimeSpan.FromMinutes(10));
            var probe = host.Create($"probe-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40], new CgroupLimits(64L << 20, 16, 1));
            probe.Remove();
            return host;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cgroups not writable under {root}: {e.Message}";
            return null;
        }
    }

    private static CgroupHost? DetectV1(string root, string[] own, out string? problem)
    {
        var bases = new Dictionary<string, string>();
        foreach (var controller in V1Controllers)
        {
            var mount = Path.Combine(root, controller);
            if (!File.Exists(Path.Combine(mount, "cgroup.procs")))
                continue;
            bases[controller] = PrepareBase(mount, OwnPath(own, controller));
        }
        if (!bases.ContainsKey("memory") || !bases.ContainsKey("pids"))
        {
            problem = $"cgroup v1 memory and pids controllers not mounted under {root}";
            return null;
        }
        problem = null;
        return new CgroupHost(1, bases);
    }

    private static CgroupHost? DetectV2(string root, string[] own, out string? problem)
    {
        var basePath = PrepareBase(root, OwnPath(own, ""));
        var controllers = File.ReadAllText(Path.Combine(basePath, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!controllers.Contains("memory") || !controllers.Contains("pids"))
        {
            // Our parent did not delegate the controllers to our subtree (it has processes of its
            // own, or no Delegate=yes): limits cannot be set from here.
            problem = $"cgroup v2: memory and pids controllers not available in {basePath} (run Fjord in a delegated cgroup)";
            return null;
        }
        var wanted = string.Join(' ', controllers.Intersect(["memory", "pids", "cpu"]).Select(c => "+" + c));
        File.WriteAllText(Path.Combine(basePath, "cgroup.subtree_control"), wanted);
        problem = null;
        return new CgroupHost(2, new Dictionary<string, string> { ["unified"] = basePath });
    }

    /// <summary>Our own group's path in the hierarchy of <paramref name="controller"/> ("" = v2).</summary>
    private static string OwnPath(string[] lines, string controller)
    {
        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
                continue;
            var matches = controller.Length == 0
                ? parts[0] == "0" && parts[1].Length == 0
                : parts[1].Split(',').Contains(controller);
            if (matches)
                return parts[2].TrimStart('/');
        }
        return "";
    }

    private static string PrepareBase(string mount, string ownPath)
    {
        var ownDir = Path.Combine(mount, ownPath);
        // Inside a container the mount may already be our own group: fall back to its root.
        if (!Directory.Exists(ownDir))
            ownDir = mount;
        var dir = Path.Combine(ownDir, FjordDir);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Removes empty groups left by a worker that died, or whose removal never succeeded. Only old
    /// ones: a fresh empty group may belong to a live worker about to put its process in. A group
    /// that still has processes refuses rmdir, so a long-lived warm process is never touched.
    /// </summary>
    private void SweepStale(TimeSpan olderThan)
    {
        foreach (var root in _bases.Values)
        {
            foreach (var dir in Directory.EnumerateDirectories(root))
            {
                try
                {
                    if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > olderThan)
                        Directory.Delete(dir);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>Creates <c>fjord/&lt;name&gt;</c> in every controller and writes the limits. Throws when the kernel refuses.</summary>
    public CgroupLease Create(string name, CgroupLimits limits)
    {
        var created = new List<string>();
        try
        {
            if (Version == 2)
            {
                var dir = MakeDir(_bases["unified"], name, created);
                Write(dir, "memory.max", limits.MemoryBytes);
                TryWrite(dir, "memory.swap.max", "0");
                Write(dir, "pids.max", limits.PidsMax);
                if (limits.CpuCores is { } cores && File.Exists(Path.Combine(dir, "cpu.max")))
                    File.WriteAllText(Path.Combine(dir, "cpu.max"), string.Create(CultureInfo.InvariantCulture, $"{(long)(cores * 100_000)} 100000"));
                return new CgroupLease(2, created, dir);
            }

            var memory = MakeDir(_bases["memory"], name, created);
            Write(memory, "memory.limit_in_bytes", limits.MemoryBytes);
            // memsw bounds memory+swap: without it a hog swaps instead of being OOM-killed.
            if (File.Exists(Path.Combine(memory, "memory.memsw.limit_in_bytes")))
                Write(memory, "memory.memsw.limit_in_bytes", limits.MemoryBytes);
            var pids = MakeDir(_bases["pids"], name, created);
            Write(pids, "pids.max", limits.PidsMax);
            if (limits.CpuCores is { } c && _bases.TryGetValue("cpu", out var cpuBase))
            {
                var cpu = MakeDir(cpuBase, name, created);
                Write(cpu, "cpu.cfs_period_us", 100_000);
                Write(cpu, "cpu.cfs_quota_us", (long)(c * 100_000));
            }
            return new CgroupLease(1, created, memory);
        }
        catch
        {
            new CgroupLease(Version, created, "").Remove();
            throw;
        }
    }

    private static string MakeDir(string parent, string name, List<string> created)
    {
        var dir = Path.Combine(parent, name);
        Directory.CreateDirectory(dir);
        created.Add(dir);
        return dir;
    }

    private static void Write(string dir, string file, long value) =>
        File.WriteAllText(Path.Combine(dir, file), value.ToString(CultureInfo.InvariantCulture));

    private static void TryWrite(string dir, string file, string value)
    {
        var path = Path.Combine(dir, file);
        if (File.Exists(path))
            File.WriteAllText(path, value);
    }
}
