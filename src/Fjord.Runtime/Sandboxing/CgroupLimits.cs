namespace Fjord.Runtime.Sandboxing;

/// <summary>What one function process may use. bubblewrap sets no resource limits, so these come from cgroups.</summary>
internal sealed record CgroupLimits(long MemoryBytes, int PidsMax, double? CpuCores);
