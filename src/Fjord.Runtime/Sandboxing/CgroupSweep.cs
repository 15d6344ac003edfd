using System.Globalization;
using Fjord.Runtime.Processes;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// Cleaning up cgroups that no live node will: at start, a node empties its own subtree (what a
/// SIGKILLed previous run of it left, processes and groups), then removes old empty groups of
/// nodes that are gone.
/// </summary>
internal static class CgroupSweep
{
    /// <summary>What the start-up sweep did.</summary>
    public readonly record struct Result(int Killed, int Removed, int Kept);

    /// <summary>
    /// SIGKILLs every process in the groups under <paramref name="scopes"/> (one per controller)
    /// until none is left, then removes the groups. Bounded: a group that still cannot be removed
    /// after a few seconds (a zombie its reaper has not collected) is counted in <see cref="Result.Kept"/>.
    /// </summary>
    public static Result ClearScope(IEnumerable<string> scopes)
    {
        var roots = scopes.Where(Directory.Exists).ToList();
        var killed = new HashSet<int>();
        var deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            var pids = roots.SelectMany(Groups).SelectMany(ReadPids).Distinct().ToList();
            if (pids.Count == 0 || Environment.TickCount64 > deadline)
                break;
            foreach (var pid in pids)
            {
                if (pid != Environment.ProcessId && Libc.KillProcess(pid))
                    killed.Add(pid);
            }
            Thread.Sleep(20);
        }

        var removed = 0;
        var kept = 0;
        var removeUntil = Environment.TickCount64 + 5_000;
        foreach (var root in roots)
        {
            // Deepest first: a group with children cannot be removed.
            foreach (var group in Groups(root).Where(g => g != root).OrderByDescending(g => g.Length))
            {
                if (TryRemove(group, until: removeUntil))
                    removed++;
                else
                    kept++;
            }
        }
        return new Result(killed.Count, removed, kept);
    }

    /// <summary>
    /// Removes empty groups older than <paramref name="olderThan"/> under each <c>fjord</c> folder,
    /// deepest first (groups whose removal never succeeded, scopes of nodes that are gone). A group
    /// with processes refuses rmdir, so nothing alive is touched; a fresh empty one may belong to a
    /// live node about to use it, hence the age.
    /// </summary>
    public static void RemoveStale(IEnumerable<string> fjordDirs, TimeSpan olderThan)
    {
        foreach (var root in fjordDirs.Distinct().Where(Directory.Exists))
        {
            foreach (var group in Groups(root).Where(g => g != root).OrderByDescending(g => g.Length))
            {
                try
                {
                    if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(group) > olderThan)
                        Directory.Delete(group);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>CPU time the group's processes used (v1 cpuacct.usage in ns, v2 cpu.stat usage_usec).</summary>
    public static TimeSpan CpuUsage(int version, string dir)
    {
        try
        {
            if (version == 1)
            {
                var file = Path.Combine(dir, "cpuacct.usage");
                return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ns)
                    ? TimeSpan.FromTicks(ns / 100)
                    : TimeSpan.Zero;
            }
            foreach (var line in File.ReadLines(Path.Combine(dir, "cpu.stat")))
            {
                if (line.StartsWith("usage_usec ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(11), NumberStyles.None, CultureInfo.InvariantCulture, out var us))
                    return TimeSpan.FromMicroseconds(us);
            }
        }
        catch (IOException)
        {
        }
        return TimeSpan.Zero;
    }

    /// <summary><paramref name="root"/> and every group below it.</summary>
    private static IEnumerable<string> Groups(string root)
    {
        IEnumerable<string> below;
        try
        {
            below = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            below = [];
        }
        return below.Prepend(root);
    }

    private static IEnumerable<int> ReadPids(string group)
    {
        var pids = new List<int>();
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(group, "cgroup.procs")))
            {
                if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    pids.Add(pid);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return pids;
    }

    private static bool TryRemove(string group, long until)
    {
        while (true)
        {
            try
            {
                Directory.Delete(group);
                return true;
            }
            catch (DirectoryNotFoundException)
            {
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (Environment.TickCount64 > until)
                    return false;
                Thread.Sleep(25);
            }
        }
    }
}
