using System.Globalization;

namespace Fjord.Core.Nodes;

/// <summary>
/// Reads the host's figures from /proc (Linux only; elsewhere the figures are zero) and keeps a
/// minute of CPU samples, so each beat can say both "over the interval" and "over the last minute"
/// (the steal warning uses the minute: one busy neighbour for five seconds is not a warning).
/// </summary>
public sealed class HostSampler(string dataDir, TimeProvider time, string procRoot = "/proc")
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<(DateTimeOffset At, CpuTimes Cpu)> _minute = new();
    private CpuTimes? _previous;

    /// <summary>Steal over the last minute (or since the first sample, when younger), as a fraction of the machine.</summary>
    public double StealLastMinute { get; private set; }

    public HostFigures Sample()
    {
        var now = time.GetUtcNow();
        var cpu = CpuTimes.Parse(ReadOrEmpty("stat"));
        double busy = 0, steal = 0;
        if (cpu is { } current)
        {
            if (_previous is { } previous)
                (busy, steal) = CpuTimes.Between(previous, current);
            _previous = current;
            while (_minute.Count > 0 && now - _minute.Peek().At > Window)
                _minute.Dequeue();
            StealLastMinute = _minute.Count > 0 ? CpuTimes.Between(_minute.Peek().Cpu, current).Steal : 0;
            _minute.Enqueue((now, current));
        }
        var (memTotal, memAvailable) = Memory(ReadOrEmpty("meminfo"));
        return new HostFigures(Environment.ProcessorCount, busy, steal, Load1(ReadOrEmpty("loadavg")), memTotal, memAvailable, DiskFree(dataDir));
    }

    /// <summary>MemTotal and MemAvailable of a /proc/meminfo text, in bytes.</summary>
    public static (long Total, long Available) Memory(string meminfo)
    {
        long total = 0, available = 0;
        foreach (var line in meminfo.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("MemTotal:"))
                total = Kilobytes(line["MemTotal:".Length..]);
            else if (line.StartsWith("MemAvailable:"))
                available = Kilobytes(line["MemAvailable:".Length..]);
        }
        return (total, available);
    }

    /// <summary>The one-minute load average: the first field of /proc/loadavg.</summary>
    public static double Load1(string loadavg)
    {
        var first = loadavg.AsSpan().Trim();
        var space = first.IndexOf(' ');
        if (space > 0)
            first = first[..space];
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : 0;
    }

    private static long Kilobytes(ReadOnlySpan<char> rest)
    {
        rest = rest.Trim();
        if (rest.EndsWith(" kB"))
            rest = rest[..^3].TrimEnd();
        return long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : 0;
    }

    private static long DiskFree(string folder)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }

    private string ReadOrEmpty(string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procRoot, name));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
