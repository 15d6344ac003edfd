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
                if (match is not null && !match(cmdline))
                    continue;
                // The command name in parentheses may hold spaces: the fields that follow start after the last ')'.
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                found.Add(new ProcEntry(pid, fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), cmdline));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }
        return found;
    }
}
