using System.Globalization;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// The cgroup hierarchy Fjord may create groups in: v1 (one mount per controller, as on this
/// project's hosts without systemd) or v2 (one unified tree). Groups live under
/// <c>&lt;our own cgroup&gt;/fjord/&lt;scope&gt;/</c> so a function process never escapes the limits the
/// worker itself runs under, and a node finds (and kills) what its previous run left behind.
/// </summary>
internal sealed class CgroupHost
{
    private const string FjordDir = "fjord";
    /// <summary>The controllers Fjord needs: without any of them a function is not contained.</summary>
    private static readonly string[] V1Controllers = ["memory", "pids", "cpu"];

    /// <summary>Optional: CPU time used, for measuring (v2 has it in cpu.stat).</summary>
    private const string V1Accounting = "cpuacct";

    private readonly Dictionary<string, string> _bases;

    private CgroupHost(int version, Dictionary<string, string> bases)
    {
        Version = version;
        _bases = bases;
    }

    public int Version { get; }

    /// <summary>Where groups are created, per controller (v2: one entry, key "unified").</summary>
    public IReadOnlyDictionary<string, string> Bases => _bases;

    /// <summary>
    /// Finds a writable hierarchy, empties this node's own subtree (<paramref name="scope"/>, the
    /// same on every start of the same node) of whatever a previous run left, and proves the
    /// hierarchy works by creating and removing a probe group.
    /// </summary>
    /// <param name="clearScope">
    /// False when the scope is this process's own: another probe in the same process (tests
    /// probe several times) must not kill the processes the first one started.
    /// </param>
    public static CgroupHost? Detect(string root, string procSelfCgroup, string scope, bool clearScope, out string? problem)
    {
        problem = null;
        try
        {
            var own = File.Exists(procSelfCgroup) ? File.ReadAllLines(procSelfCgroup) : [];
            CgroupHost? host = File.Exists(Path.Combine(root, "cgroup.controllers"))
                ? DetectV2(root, own, scope, out problem)
                : DetectV1(root, own, scope, out problem);
            if (host is null)
                return null;
            if (clearScope)
                host.Leftovers = CgroupSweep.ClearScope(host._bases.Values);
            CgroupSweep.RemoveStale(host._bases.Values.Select(b => Path.GetDirectoryName(b)!), TimeSpan.FromMinutes(10));
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

    /// <summary>What the start-up sweep found of a previous run: processes killed, groups removed, groups it could not remove.</summary>
    public CgroupSweep.Result Leftovers { get; private set; }

    private static CgroupHost? DetectV1(string root, string[] own, string scope, out string? problem)
    {
        var bases = new Dictionary<string, string>();
        var mounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var controller in V1Controllers.Append(V1Accounting))
        {
            var mount = Path.Combine(root, controller);
            if (!File.Exists(Path.Combine(mount, "cgroup.procs")))
                continue;
            // cpu and cpuacct are often one hierarchy mounted twice ("cpu,cpuacct"): one group, not two.
            if (!mounts.Add(new DirectoryInfo(mount).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? mount))
                continue;
            bases[controller] = PrepareBase(mount, OwnPath(own, controller), scope);
        }
        var missing = V1Controllers.Where(c => !bases.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            problem = $"cgroup v1 controller(s) {string.Join(", ", missing)} not mounted under {root} (mount them, e.g. mount -t cgroup -o {missing[0]} cgroup {root}/{missing[0]})";
            return null;
        }
        problem = null;
        return new CgroupHost(1, bases);
    }

    /// <summary>The leaf a v2 node moves itself into, beside its functions' <c>fjord/</c> group.</summary>
    internal const string NodeLeaf = "fjord-node";

    /// <summary>
    /// v2: one tree, and its no-internal-processes rule: a group that holds processes cannot hand
    /// controllers to its children. Under systemd with <c>Delegate=yes</c> the node starts in its
    /// unit's own group, so it first moves itself into the leaf <c>fjord-node/</c>, then enables
    /// memory, pids and cpu in its group's <c>cgroup.subtree_control</c>, then in <c>fjord/</c> and
    /// <c>fjord/&lt;scope&gt;/</c>, whose children are the functions' groups.
    /// </summary>
    private static CgroupHost? DetectV2(string root, string[] own, string scope, out string? problem)
    {
        var ownPath = OwnPath(own, "");
        // A second probe in the same process (tests probe several times) finds itself in the leaf it made.
        if (Path.GetFileName(ownPath) == NodeLeaf)
            ownPath = Path.GetDirectoryName(ownPath) ?? "";
        var ownDir = Path.Combine(root, ownPath);
        // Inside a container the mount may already be our own group: fall back to its root.
        if (!Directory.Exists(ownDir))
            ownDir = root;
        var controllers = File.ReadAllText(Path.Combine(ownDir, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var missing = V1Controllers.Where(c => !controllers.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            // Our parent did not delegate the controllers to our group: limits cannot be set from here.
            problem = $"cgroup v2: controller(s) {string.Join(", ", missing)} not delegated to {ownDir} (set Delegate=yes in the systemd unit, as the fjord package's units do; for a manual start: systemd-run --scope -p Delegate=yes fjord up)";
            return null;
        }
        var leaf = Path.Combine(ownDir, NodeLeaf);
        Directory.CreateDirectory(leaf);
        File.WriteAllText(Path.Combine(leaf, "cgroup.procs"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var wanted = string.Join(' ', V1Controllers.Select(c => "+" + c));
        try
        {
            File.WriteAllText(Path.Combine(ownDir, "cgroup.subtree_control"), wanted);
        }
        catch (IOException e)
        {
            // EBUSY: another process still sits in our group (something the unit started beside us).
            problem = $"cgroup v2: cannot enable {wanted} in {ownDir}/cgroup.subtree_control ({e.Message}): it still holds processes other than this node; run the node alone in its unit's group";
            return null;
        }
        var fjordPath = Path.Combine(ownDir, FjordDir);
        Directory.CreateDirectory(fjordPath);
        File.WriteAllText(Path.Combine(fjordPath, "cgroup.subtree_control"), wanted);
        var basePath = Path.Combine(fjordPath, scope);
        Directory.CreateDirectory(basePath);
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

    /// <summary><c>&lt;our group&gt;/fjord/&lt;scope&gt;</c> in one hierarchy (just <c>fjord</c> when scope is null).</summary>
    private static string PrepareBase(string mount, string ownPath, string? scope)
    {
        var ownDir = Path.Combine(mount, ownPath);
        // Inside a container the mount may already be our own group: fall back to its root.
        if (!Directory.Exists(ownDir))
            ownDir = mount;
        var dir = scope is null ? Path.Combine(ownDir, FjordDir) : Path.Combine(ownDir, FjordDir, scope);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Bounds the memory of every function process of this node together (the operator's
    /// --max-memory): the kernel enforces it on the node's subtree, whatever deploys claimed.
    /// </summary>
    public void CapMemory(long bytes)
    {
        if (Version == 2)
        {
            Write(_bases["unified"], "memory.max", bytes);
            return;
        }
        Write(_bases["memory"], "memory.limit_in_bytes", bytes);
        if (File.Exists(Path.Combine(_bases["memory"], "memory.memsw.limit_in_bytes")))
            Write(_bases["memory"], "memory.memsw.limit_in_bytes", bytes);
    }

    /// <summary>Creates <c>fjord/&lt;name&gt;</c> in every controller and writes the limits. Throws when the kernel refuses.</summary>
    public CgroupLease Create(string name, CgroupLimits limits)
    {
        var created = new List<string>();
        try
        {
            if (Version == 2)
            {
                var scope = _bases["unified"];
                if (!Directory.Exists(scope))
                {
                    // Removed as stale by another node's sweep while this node sat idle: recreate it.
                    Directory.CreateDirectory(scope);
                    File.WriteAllText(Path.Combine(scope, "cgroup.subtree_control"), string.Join(' ', V1Controllers.Select(c => "+" + c)));
                }
                var dir = MakeDir(scope, name, created);
                Write(dir, "memory.max", limits.MemoryBytes);
                TryWrite(dir, "memory.swap.max", "0");
                Write(dir, "pids.max", limits.PidsMax);
                if (limits.CpuCores is { } cores)
                    File.WriteAllText(Path.Combine(dir, "cpu.max"), string.Create(CultureInfo.InvariantCulture, $"{Quota(cores)} {CpuPeriodMicros}"));
                return new CgroupLease(2, created, dir, dir);
            }

            var memory = MakeDir(_bases["memory"], name, created);
            Write(memory, "memory.limit_in_bytes", limits.MemoryBytes);
            // memsw bounds memory+swap: without it a hog swaps instead of being OOM-killed.
            if (File.Exists(Path.Combine(memory, "memory.memsw.limit_in_bytes")))
                Write(memory, "memory.memsw.limit_in_bytes", limits.MemoryBytes);
            var pids = MakeDir(_bases["pids"], name, created);
            Write(pids, "pids.max", limits.PidsMax);
            // Every process joins a cpu group, quota or not: the start-up sweep finds it there too.
            var cpu = MakeDir(_bases["cpu"], name, created);
            if (limits.CpuCores is { } c)
            {
                Write(cpu, "cpu.cfs_period_us", CpuPeriodMicros);
                Write(cpu, "cpu.cfs_quota_us", Quota(c));
            }
            var accounting = _bases.TryGetValue(V1Accounting, out var acctBase) ? MakeDir(acctBase, name, created) : cpu;
            return new CgroupLease(1, created, memory, accounting);
        }
        catch
        {
            new CgroupLease(Version, created, "", "").Remove();
            throw;
        }
    }

    private const long CpuPeriodMicros = 100_000;

    /// <summary>CFS quota per period for <paramref name="cores"/> (at least 1 ms, the kernel's minimum).</summary>
    private static long Quota(double cores) => Math.Max(1000, (long)(cores * CpuPeriodMicros));

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
