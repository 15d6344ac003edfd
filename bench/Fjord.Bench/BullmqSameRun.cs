using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Fjord.Bench;

/// <summary>
/// BullMQ, the peer of issue 17, on the same private Redis as Fjord in the same run
/// (bench/peers/bullmq/samerun.js): a sandboxed worker at concurrency 8 (a child process per
/// slot, as Fjord runs each job in a function process) on the server's appendfsync always, as
/// Fjord requires. CPU as for Fjord: central = redis-server, edge = node and its children.
/// </summary>
internal static class BullmqSameRun
{
    /// <summary>The row, or null (with a line saying why) when node or npm cannot run it here.</summary>
    /// <param name="around">Called once warmed up, just before the measured jobs; the task it returns is awaited once they are done (the server's figures over them).</param>
    public static async Task<CpuGroup.Row?> MeasureAsync(string root, string adminUri, int redisPid, int count, Func<Task<Func<Task>>> around)
    {
        var folder = Path.Combine(root, "bench/peers/bullmq");
        try
        {
            if (!Directory.Exists(Path.Combine(folder, "node_modules")))
                await ChildProcess.RunAsync("npm", ["ci", "--prefix", folder, "--no-audit", "--no-fund", "--loglevel=error"]);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Console.WriteLine($"  bullmq skipped: npm ci failed: {ex.Message.Split('\n')[0]}");
            return null;
        }
        var uri = new Uri(adminUri);
        var userInfo = uri.UserInfo.Split(':', 2);
        var psi = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in new[] { Path.Combine(folder, "samerun.js"), Text(count), Text(Math.Max(count / 2, 1000)), Text(uri.Port) })
            psi.ArgumentList.Add(a);
        psi.Environment["FJORD_PEER_REDIS_USER"] = Uri.UnescapeDataString(userInfo[0]);
        psi.Environment["FJORD_PEER_REDIS_PASS"] = Uri.UnescapeDataString(userInfo[1]);
        Process node;
        try
        {
            node = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Console.WriteLine($"  bullmq skipped: node does not start: {ex.Message}");
            return null;
        }
        using (node)
        {
            try
            {
                if (await node.StandardOutput.ReadLineAsync() != "ready")
                    throw new InvalidOperationException("samerun.js did not get ready");
                var pids = new Dictionary<string, int> { ["redis"] = redisPid, ["bullmq"] = node.Id };
                var after = await around();
                var row = await CpuGroup.MeasureAsync("bullmq on redis", count, pids, self: null, async () =>
                {
                    await node.StandardInput.WriteLineAsync("go");
                    await node.StandardInput.FlushAsync();
                    var line = await node.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("samerun.js ended without its figures");
                    using var doc = JsonDocument.Parse(line);
                    return new LoadResult("bullmq on redis", count, TimeSpan.FromSeconds(doc.RootElement.GetProperty("seconds").GetDouble()), [], 0);
                });
                await after();
                return row;
            }
            finally
            {
                // Its CPU is read: closing stdin lets it exit.
                node.StandardInput.Close();
                try
                {
                    await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
                }
                catch (TimeoutException)
                {
                    node.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
