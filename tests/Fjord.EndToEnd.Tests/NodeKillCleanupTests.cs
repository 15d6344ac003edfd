using System.Globalization;
using System.Net;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// No function process outlives its node: after a SIGKILL of `fjord up` with warm and fork
/// functions running (a detached grandchild too), and a restart on the same data folder, nothing
/// of the first run is left: no process, no cgroup.
/// </summary>
public sealed class NodeKillCleanupTests
{
    [Fact]
    public async Task Up_KilledWithFunctionsRunning_LeavesNoProcessOrCgroupAfterRestart()
    {
        using var dir = new TempDir();
        var marker = "mk" + Guid.NewGuid().ToString("N")[..10];
        Directory.CreateDirectory(dir.Combine("warm"));
        await File.WriteAllTextAsync(dir.Combine("warm", $"{marker}.py"), "import time\n\ndef handle(payload, context):\n    time.sleep(float(payload))\n    return payload\n");
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, $$"""
            functions:
              warm:
                runtime: python
                path: warm
                handler: {{marker}}.py
                concurrency: 2
                timeout: 60s
              forky:
                runtime: exec
                command: ["sh", "-c", "(setsid sleep \"$(cat)\" &) ; sleep 60", "{{marker}}"]
                concurrency: 2
                timeout: 60s
            """);
        var data = dir.Combine("data");
        await using var node = await FjordNode.StartAsync(data, yml);
        foreach (var function in new[] { "warm", "warm", "forky", "forky" })
        {
            using var r = await node.Http.PostAsync($"/v1/functions/{function}/jobs", new StringContent("60"));
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        }

        var groups = CgroupScopes(data);
        Assert.NotEmpty(groups);
        var firstPid = node.Pid;
        // 2 warm shims, 2 fork-mode shells and their 2 detached sleeps, each under its bwrap.
        await WaitForAsync(() => ProcScan.PidsWith(marker).Count >= 8, TimeSpan.FromSeconds(60), () => $"marked processes: {ProcScan.PidsWith(marker).Count}\n{node.Tail()}");
        var oldProcesses = groups.SelectMany(Pids).Concat(ProcScan.PidsWith(marker)).Distinct().ToList();
        var oldGroups = groups.SelectMany(SubGroups).ToList();
        Assert.True(oldGroups.Count >= 4, $"expected a group per running process, found {oldGroups.Count}");

        await node.KillAsync();
        await node.StartProcessAsync();

        // Everything of the first run is gone; what runs now (the recovered jobs) is the new node's.
        await WaitForAsync(() => oldProcesses.All(Gone), TimeSpan.FromSeconds(15),
            () => "still alive: " + string.Join(", ", oldProcesses.Where(p => !Gone(p)).Select(Describe)));
        foreach (var pid in ProcScan.PidsWith(marker).Concat(groups.SelectMany(Pids)))
            Assert.True(DescendsFrom(pid, node.Pid), $"{Describe(pid)} does not belong to the restarted node {node.Pid} (first run: {firstPid})");
        var stale = oldGroups.Where(Directory.Exists).ToList();
        Assert.True(stale.Count == 0, "stale cgroups: " + string.Join(", ", stale));
        Assert.Contains("left", node.Output, StringComparison.Ordinal); // the sweep reported what it killed
    }

    /// <summary>This node's cgroup subtree in every hierarchy: &lt;our own group&gt;/fjord/&lt;scope of the data folder&gt;.</summary>
    private static List<string> CgroupScopes(string dataDir)
    {
        var scope = Fjord.Runtime.Sandbox.ScopeOf(dataDir);
        var scopes = new List<string>();
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            var mount = parts[1].Length == 0 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + parts[1];
            var dir = Path.Combine(mount, parts[2].TrimStart('/'), "fjord", scope);
            if (Directory.Exists(dir))
                scopes.Add(dir);
        }
        return scopes;
    }

    private static IEnumerable<string> SubGroups(string scope) => Directory.EnumerateDirectories(scope, "*", SearchOption.AllDirectories);

    private static IEnumerable<int> Pids(string scope) =>
        SubGroups(scope).Prepend(scope).SelectMany(g =>
        {
            try
            {
                return File.ReadAllLines(Path.Combine(g, "cgroup.procs")).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
            }
            catch (IOException)
            {
                return [];
            }
        });

    /// <summary>Gone, or a zombie (dead, only its exit status left for init to collect).</summary>
    private static bool Gone(int pid) => ProcScan.Stat(pid) is not { } stat || stat.State == 'Z';

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (var p = pid; p > 1;)
        {
            if (p == ancestor)
                return true;
            if (ProcScan.Stat(p) is not { } stat)
                return true; // exited while we looked: nothing left of it
            p = stat.Parent;
        }
        return false;
    }

    private static string Describe(int pid)
    {
        try
        {
            return $"{pid} ({ProcScan.Stat(pid)}) {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')}";
        }
        catch (IOException)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan within, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail(describe());
            await Task.Delay(100);
        }
    }
}
