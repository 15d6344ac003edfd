using System.Globalization;

namespace Fjord.Core.Nodes;

/// <summary>
/// The machine-wide line of /proc/stat (<c>cpu user nice system idle iowait irq softirq steal guest guest_nice</c>,
/// in clock ticks summed over every CPU). Guest time is already inside user and nice, so it is
/// not added again. Steal is time a virtual CPU was ready but the hypervisor ran someone else:
/// `%st` in top, the figure that says a worker pool's host is oversold.
/// </summary>
public readonly record struct CpuTimes(long Busy, long Idle, long Steal)
{
    public long Total => Busy + Idle + Steal;

    /// <summary>Parses the aggregate <c>cpu </c> line of a /proc/stat text; null when it has none.</summary>
    public static CpuTimes? Parse(string procStat)
    {
        ArgumentNullException.ThrowIfNull(procStat);
        foreach (var line in procStat.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("cpu "))
                continue;
            Span<long> v = stackalloc long[8];
            var i = 0;
            foreach (var range in line[4..].Split(' '))
            {
                var field = line[4..][range];
                if (field.IsEmpty)
                    continue;
                if (i == v.Length)
                    break;
                if (!long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out v[i++]))
                    return null;
            }
            if (i < 4)
                return null;
            // user nice system idle iowait irq softirq steal; older kernels stop after idle or iowait.
            var busy = v[0] + v[1] + v[2] + v[5] + v[6];
            var idle = v[3] + v[4];
            return new CpuTimes(busy, idle, v[7]);
        }
        return null;
    }

    /// <summary>Busy and steal between two samples, as fractions of all the machine's CPU time in between (0 when no time passed).</summary>
    public static (double Busy, double Steal) Between(CpuTimes earlier, CpuTimes later)
    {
        var total = later.Total - earlier.Total;
        if (total <= 0)
            return (0, 0);
        return (Math.Clamp((later.Busy - earlier.Busy) / (double)total, 0, 1), Math.Clamp((later.Steal - earlier.Steal) / (double)total, 0, 1));
    }
}
