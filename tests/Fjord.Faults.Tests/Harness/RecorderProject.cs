using System.Globalization;
using System.Text;

namespace Fjord.Faults.Tests.Harness;

/// <summary>One recorder function in the generated fjord.yml.</summary>
internal sealed record RecorderFunction(string Name)
{
    public int Concurrency { get; init; } = 4;
    public int MaxAttempts { get; init; } = 10;
    public string Mode { get; init; } = "warm";
    public string Timeout { get; init; } = "20s";
    public string Backoff { get; init; } = "{ initial: 100ms, max: 1s }";

    /// <summary>Poison: every attempt reports itself, then raises.</summary>
    public bool AlwaysFail { get; init; }
}

/// <summary>
/// Writes the recorder function (python, network: true so it can reach the recorder on the host's
/// loopback: the node runs with --allow-host-network) and a fjord.yml naming it under one or more function names. The payload is
/// <c>&lt;token&gt; [sleep-ms]</c>; the handler sleeps, reports <c>job attempt token ok|fail</c>,
/// waits for the ack, and then returns the payload (or raises, for poison).
/// </summary>
internal static class RecorderProject
{
    /// <summary>The file name doubles as the marker the process killer looks for in /proc/*/cmdline.</summary>
    public const string HandlerFile = "fault_recorder.py";

    private const string Handler = """
        import os
        import socket
        import time

        PORT = int(os.environ["RECORDER_PORT"])
        FAIL = os.environ.get("RECORDER_FAIL") == "1"


        def handle(payload, context):
            text = payload.decode("utf-8")
            parts = text.split()
            if len(parts) > 1 and int(parts[1]) > 0:
                time.sleep(int(parts[1]) / 1000.0)
            line = "%s %s %s %s\n" % (os.environ["FJORD_JOB_ID"], os.environ["FJORD_ATTEMPT"], parts[0], "fail" if FAIL else "ok")
            with socket.create_connection(("127.0.0.1", PORT), timeout=20) as s:
                s.sendall(line.encode("ascii"))
                if s.recv(1) != b"k":
                    raise RuntimeError("the recorder did not acknowledge")
            if FAIL:
                raise RuntimeError("poison: this job always fails")
            return text
        """;

    /// <summary>Writes the function folder and fjord.yml into <paramref name="dir"/>; returns the yml path.</summary>
    public static string Write(string dir, int recorderPort, params RecorderFunction[] functions)
    {
        var folder = Path.Combine(dir, "recorder");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, HandlerFile), Handler.Replace("\r", "", StringComparison.Ordinal) + "\n");

        var yml = new StringBuilder("functions:\n");
        foreach (var f in functions)
        {
            yml.Append(CultureInfo.InvariantCulture, $"""
                  {f.Name}:
                    runtime: python
                    path: recorder
                    handler: {HandlerFile}
                    mode: {f.Mode}
                    concurrency: {f.Concurrency}
                    timeout: {f.Timeout}
                    maxAttempts: {f.MaxAttempts}
                    backoff: {f.Backoff}
                    network: true
                    env: {"{"} RECORDER_PORT: "{recorderPort}", RECORDER_FAIL: "{(f.AlwaysFail ? 1 : 0)}" {"}"}

                """);
        }
        var path = Path.Combine(dir, "fjord.yml");
        File.WriteAllText(path, yml.ToString());
        return path;
    }
}
