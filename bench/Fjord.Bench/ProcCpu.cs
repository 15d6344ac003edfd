using System.Globalization;

namespace Fjord.Bench;

/// <summary>
/// CPU time of process trees from /proc: a root, every live descendant, and (through the
/// parents' cutime/cstime) every descendant that exited and was reaped meanwhile. So a
/// PostgreSQL postmaster stands for all its backends, a worker for its sandboxed function
/// processes, `fjord up` for itself and its python. Deltas of two snapshots give the CPU a run cost.
/// </summary>
internal static class ProcCpu
{
    private static readonly double TicksPerSecond = ClockTicks();

    /// <summary>Seconds of CPU (user + system, children included) of each root's tree now.</summary>
    public static Dictionary<string, double> Snapshot(IReadOnlyDictionary<string, int> roots)
    {
        var stats = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            if (Read(pid) is { } stat)
                stats[pid] = stat;
        }
        var children = stats.GroupBy(s => s.Value.Parent).ToDictionary(g => g.Key, g => g.Select(s => s.Key).ToList());
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (label, root) in roots)
        {
            long ticks = 0;
            var stack = new Stack<int>([root]);
            while (stack.TryPop(out var pid))
            {
                if (!stats.TryGetValue(pid, out var stat))
                    continue;
                ticks += stat.Ticks;
                foreach (var child in children.GetValueOrDefault(pid) ?? [])
                    stack.Push(child);
            }
            result[label] = ticks / TicksPerSecond;
        }
        return result;
    }

    /// <summary>
    /// Seconds of CPU the JIT's background tiering thread (".NET Tiered Compilation", its name cut
    /// to 15 characters) of each process has used: start-up work a long-running process pays once.
    /// </summary>
    public static double JitSeconds(IEnumerable<int> pids) =>
        pids.Sum(pid => ThreadSeconds(pid).GetValueOrDefault(".NET Tiered Com"));

    /// <summary>Seconds of CPU (user + system) of each live thread of <paramref name="pid"/>, summed by thread name.</summary>
    public static Dictionary<string, double> ThreadSeconds(int pid)
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var text = File.ReadAllText(Path.Combine(dir, "stat"));
                var name = text[(text.IndexOf('(') + 1)..text.LastIndexOf(')')];
                byName[name] = byName.GetValueOrDefault(name) + OwnTicks(text) / TicksPerSecond;
            }
            catch (IOException)
            {
            }
        }
        return byName;
    }

    /// <summary>Seconds of CPU of the process itself (every thread, exited ones included), not of its children.</summary>
    public static double OwnSeconds(int pid) => OwnTicks(File.ReadAllText($"/proc/{pid}/stat")) / TicksPerSecond;

    /// <summary>utime + stime (fields 14, 15) of a stat line.</summary>
    private static long OwnTicks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>Parent pid and utime + stime + cutime + cstime (fields 4, 14-17 of /proc/PID/stat).</summary>
    private static (int Parent, long Ticks)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces: split after it.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long F(int n) => long.Parse(fields[n - 3], CultureInfo.InvariantCulture);
        return ((int)F(4), F(14) + F(15) + F(16) + F(17));
    }

    private static double ClockTicks()
    {
        using var getconf = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
        var text = getconf.StandardOutput.ReadToEnd().Trim();
        getconf.WaitForExit();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
    }
}
