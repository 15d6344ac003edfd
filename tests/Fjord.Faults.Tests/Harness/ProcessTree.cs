namespace Fjord.Faults.Tests.Harness;

/// <summary>Finds a node's function processes by walking /proc: descendants only, matched by a marker in their command line.</summary>
internal static class ProcessTree
{
    /// <summary>
    /// PIDs below <paramref name="root"/> whose argv[0] is a python interpreter and whose command
    /// line carries <paramref name="marker"/>. bubblewrap's own processes carry the marker too (it is
    /// in their arguments), but they are not python: we kill the function, not its jailer.
    /// </summary>
    public static List<int> FindFunctionProcesses(int root, string marker) =>
        [.. ProcScan.Descendants(root).Where(p => IsFunction(p.Cmdline.Split('\0', StringSplitOptions.RemoveEmptyEntries), marker)).Select(p => p.Pid)];

    private static bool IsFunction(string[] argv, string marker) =>
        argv.Length > 1 && Path.GetFileName(argv[0]).StartsWith("python", StringComparison.Ordinal)
        && argv.Any(a => a.Contains(marker, StringComparison.Ordinal));
}
