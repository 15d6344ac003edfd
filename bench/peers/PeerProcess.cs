using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Fjord.Peers;

/// <summary>
/// What the C# peers share: the worker runs in a process of its own (started again from this
/// program with "worker"), as in PEERS.md, and talks to the producer through lines on its stdout.
/// Times cross the process boundary as wall-clock epoch milliseconds.
/// </summary>
internal static class PeerProcess
{
    public static readonly byte[] Payload = """{"id":12345,"kind":"noop","data":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"}"""u8.ToArray();

    public static double NowMs() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>This program again, as "worker" plus <paramref name="args"/>, its stdout read by the caller.</summary>
    public static Process StartWorker(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        // Under `dotnet X.dll` the process is the host, and the program is its first argument.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(PeerProcess).Assembly.Location);
        start.ArgumentList.Add("worker");
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    public static async Task<string> ReadLineAsync(Process worker) =>
        await worker.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException($"the worker exited without output");

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

    public static double ParseMs(string line) => double.Parse(line, CultureInfo.InvariantCulture);

    public static string FormatMs(double ms) => ms.ToString("R", CultureInfo.InvariantCulture);
}
