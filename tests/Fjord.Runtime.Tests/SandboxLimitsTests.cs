using System.Diagnostics;

namespace Fjord.Runtime.Tests;

/// <summary>Resource limits on real processes in the real sandbox, measured from the kernel's own counters.</summary>
public sealed class SandboxLimitsTests
{
    [Fact]
    public async Task ForkBomb_StopsAtPidsLimit_InSandbox()
    {
        var bomb = Run.Exec("/usr/bin/python3", "-c", """
            import os, time
            n = 0
            try:
                while n < 1000:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    n += 1
            except OSError as e:
                print("stopped after", n, "errno", e.errno)
            """) with { Timeout = TimeSpan.FromSeconds(30) };

        var result = await Run.OnceAsync(bomb, null, sandbox: true, options: Run.Options(true) with { PidsLimit = 40 });

        Assert.Null(result.Error);
        var words = result.Text().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("stopped", words[0]);
        Assert.InRange(int.Parse(words[2], System.Globalization.CultureInfo.InvariantCulture), 1, 40);
        Assert.Equal("11", words[4].Trim()); // EAGAIN from pids.max
    }

    [Fact]
    public async Task CpuBurner_IsHeldToItsQuota_ByCgroupUsage()
    {
        var (limited, throttled) = await MeasureAsync(cpu: 0.25);
        var (free, neverThrottled) = await MeasureAsync(cpu: null);

        // Two busy processes could use two cores; the quota holds them to a quarter of one, and
        // the kernel says it had to (a shared machine may give an unlimited burner little more).
        Assert.InRange(limited, 0.05, 0.32);
        Assert.True(throttled > 0, "the quota never throttled the burners");
        Assert.Equal(0, neverThrottled);
        Assert.True(free > 0, "the unlimited burners used no CPU: the measurement cannot tell");
    }

    /// <summary>
    /// Cores used by a two-process burner, from its cgroup's CPU usage over 2 s of wall time
    /// mid-run, and how many CFS periods the kernel throttled it in.
    /// </summary>
    private static async Task<(double Cores, long Throttled)> MeasureAsync(double? cpu)
    {
        var name = "t-cpu-" + Guid.NewGuid().ToString("N")[..8];
        var burn = Run.Exec("/bin/sh", "-c", "(while :; do :; done) & while :; do :; done") with { Name = name, CpuCores = cpu, Timeout = TimeSpan.FromSeconds(5) };
        var run = Run.OnceAsync(burn, null, sandbox: true);
        var cgroups = Sandbox.Host.Cgroups!;
        var root = cgroups.Version == 2 ? cgroups.Bases["unified"] : cgroups.Bases.GetValueOrDefault("cpuacct") ?? cgroups.Bases["cpu"];
        string? group = null;
        for (var i = 0; i < 200 && group is null; i++)
        {
            group = Directory.EnumerateDirectories(root, name + "*").FirstOrDefault();
            await Task.Delay(10);
        }
        Assert.NotNull(group);
        await Task.Delay(500);
        var clock = Stopwatch.StartNew();
        var before = Sandboxing.CgroupSweep.CpuUsage(cgroups.Version, group);
        await Task.Delay(2000);
        var used = Sandboxing.CgroupSweep.CpuUsage(cgroups.Version, group) - before;
        var wall = clock.Elapsed;
        var statDir = cgroups.Version == 2 ? group : Path.Combine(cgroups.Bases["cpu"], Path.GetFileName(group));
        var throttled = File.ReadLines(Path.Combine(statDir, "cpu.stat"))
            .Where(l => l.StartsWith("nr_throttled ", StringComparison.Ordinal))
            .Select(l => long.Parse(l.AsSpan(13), System.Globalization.CultureInfo.InvariantCulture)).Single();
        var result = await run;
        // The burner never ends by itself; how it was stopped does not matter to the measurement.
        Assert.True(result.Error is not null, "an endless burner cannot succeed");
        return (used / wall, throttled);
    }
}
