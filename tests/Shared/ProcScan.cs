using System.Globalization;

namespace Fjord.Tests.Shared;

/// <summary>A process seen in one pass over /proc: its state letter (R, S, Z, ...), its parent and its command line (NUL-separated).</summary>
internal sealed record ProcEntry(int Pid, char State, int Parent, string Cmdline);

/// <summary>The tests' look at the process table, for function processes found by PID rather than by what a runner reports.</summary>
internal static class ProcScan
{
    /// <summary>
    /// One pass over /proc: every process whose command line passes <paramref name="match"/> (every
    /// process when null). One that exits while it is read is left out.
    /// </summary>
    public static List<ProcEntry> Processes(Func<string, bool>? match = null)
    {
        var found = new List<ProcEntry>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
                continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(entry, "cmdline"));
                if ((match is null || match(cmdline)) && Stat(pid) is { } stat)
                    found.Add(new ProcEntry(pid, stat.State, stat.Parent, cmdline));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }
        return found;
    }

    /// <summary>The processes below <paramref name="root"/> (up to 64 generations down), from one pass over /proc.</summary>
    public static List<ProcEntry> Descendants(int root)
    {
        var all = Processes();
        var parents = all.ToDictionary(p => p.Pid, p => p.Parent);
        bool Under(int pid)
        {
            for (var i = 0; i < 64 && parents.TryGetValue(pid, out var parent); i++, pid = parent)
            {
                if (parent == root)
                    return true;
            }
            return false;
        }
        return [.. all.Where(p => Under(p.Pid))];
    }

    /// <summary>PIDs of the processes, other than this test process, whose command line holds <paramref name="marker"/>.</summary>
    public static List<int> PidsWith(string marker) =>
        [.. Processes(cmdline => cmdline.Contains(marker, StringComparison.Ordinal)).Where(p => p.Pid != Environment.ProcessId).Select(p => p.Pid)];

    /// <summary>The state letter and parent of <paramref name="pid"/> from /proc/PID/stat; null once it is gone.</summary>
    public static (char State, int Parent)? Stat(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields after it start past the last ')'.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (rest[0][0], int.Parse(rest[1], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
