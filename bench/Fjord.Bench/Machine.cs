namespace Fjord.Bench;

/// <summary>One line naming the machine a result came from: cores, CPU model, memory, OS.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown cpu";
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"')
            : "linux";
        return $"{Environment.ProcessorCount} cores, {model}, {long.Parse(memKb, System.Globalization.CultureInfo.InvariantCulture) / 1048576} GiB, {os}";
    }
}
