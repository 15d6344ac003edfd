using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Fjord.Peers;

/// <summary>
/// What the C# peers share: the worker runs in a process of its own (this program started again
/// with "worker"), as in PEERS.md, and tells the producer through lines on its stdout that it is
/// ready and when the last job finished. Times cross the process boundary as wall-clock epoch
/// milliseconds.
/// </summary>
internal static class PeerProcess
{
    public static readonly byte[] Payload = """{"id":12345,"kind":"noop","data":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"}"""u8.ToArray();

    public static double NowMs() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>
    /// The end-to-end measurement: starts the worker process (this program again, as "worker" plus
    /// <paramref name="workerArgs"/>), waits until it consumes, floods, and returns the flood's
    /// first enqueue and the worker's last completion. The worker is killed if anything fails.
    /// </summary>
    public static async Task<(double StartMs, double LastMs)> EndToEndAsync(string[] workerArgs, Func<Task<double>> flood)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        // Under `dotnet X.dll` the process is the host, and the program is its first argument.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(PeerProcess).Assembly.Location);
        start.ArgumentList.Add("worker");
        foreach (var arg in workerArgs)
            start.ArgumentList.Add(arg);
        using var worker = Process.Start(start)!;
        try
        {
            await ReadLineAsync(worker); // "ready": consuming, its queue empty
            var first = await flood();
            var last = double.Parse(await ReadLineAsync(worker), CultureInfo.InvariantCulture);
            await worker.WaitForExitAsync();
            return (first, last);
        }
        finally
        {
            if (!worker.HasExited)
                worker.Kill(entireProcessTree: true);
        }
    }

    private static async Task<string> ReadLineAsync(Process worker) =>
        await worker.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the worker exited without output");

    /// <summary>The line every peer prints, the same fields as the Node and Python peers.</summary>
    public static void Report(string peer, string settings, int jobs, double enqueueSeconds, double e2eSeconds) =>
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["peer"] = peer,
            ["settings"] = settings,
            ["jobs"] = jobs,
            ["enqueue_per_s"] = Math.Round(jobs / enqueueSeconds),
            ["e2e_per_s"] = Math.Round(jobs / e2eSeconds),
        }));

    public static string FormatMs(double ms) => ms.ToString("R", CultureInfo.InvariantCulture);
}
