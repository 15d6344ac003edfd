using System.Globalization;

namespace Fjord.Faults.Tests.Harness;

/// <summary>Finds a node's function processes by walking /proc: descendants only, matched by a marker in their command line.</summary>
internal static class ProcessTree
{
    /// <summary>
    /// PIDs below <paramref name="root"/> whose argv[0] is a python interpreter and whose command
    /// line carries <paramref name="marker"/>. bubblewrap's own processes carry the marker too (it is
    /// in their arguments), but they are not python: we kill the function, not its jailer.
    /// </summary>
    public static List<int> FindFunctionProcesses(int root, string marker)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            if (ParentOf(pid) is { } parent)
                parents[pid] = parent;
        }

        var found = new List<int>();
        foreach (var pid in parents.Keys)
        {
            if (!Descends(pid, root, parents))
                continue;
            var argv = CommandLine(pid);
            if (argv.Length > 1 && Path.GetFileName(argv[0]).StartsWith("python", StringComparison.Ordinal)
                && argv.Any(a => a.Contains(marker, StringComparison.Ordinal)))
                found.Add(pid);
        }
        return found;
    }

    private static bool Descends(int pid, int root, Dictionary<int, int> parents)
    {
        for (var depth = 0; depth < 64 && parents.TryGetValue(pid, out var parent); depth++)
        {
            if (parent == root)
                return true;
            pid = parent;
        }
        return false;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
