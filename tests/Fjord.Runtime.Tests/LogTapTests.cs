using System.Collections.Concurrent;
using System.Text;
using Fjord.Core.Functions;

namespace Fjord.Runtime.Tests;

/// <summary>`logs -f` at its source: a running attempt's stderr reaches the request's tap while the process still runs.</summary>
public sealed class LogTapTests
{
    [Fact]
    public async Task ExecFork_LinesReachTheTap_BeforeTheProcessEnds()
    {
        await using var runner = RunnerFactory.Create(Run.Exec("/bin/sh", "-c", "echo early >&2; sleep 2; echo late >&2; echo out"), null, Run.Options(true));
        var (seen, request) = Tapped("x");
        var run = runner.RunAsync(request, CancellationToken.None);

        await WaitForAsync(seen, "early\n");
        Assert.False(run.IsCompleted, "the line arrived while the process ran");
        var result = await run;
        Assert.Null(result.Error);
        Assert.Equal("early\nlate\n", Text(seen));
        Assert.Equal("early\nlate\n", result.Log);
    }

    /// <summary>
    /// The race behind a CI failure: under load the process wrote "early" before the fork
    /// runner attached its tap, and the tap never heard it. Here the pump has read everything
    /// before the tap is set, every time.
    /// </summary>
    [Fact]
    public async Task TapSetAfterTheProcessWrote_HearsWhatTheLogHoldsFirst()
    {
        var pump = new Fjord.Runtime.Processes.StderrPump(new MemoryStream("early\n"u8.ToArray()), 4096, markerPrefix: null);
        await pump.Completion;

        var late = new ConcurrentQueue<byte[]>();
        pump.SetTap(bytes => late.Enqueue(bytes.ToArray()));
        Assert.Empty(late);

        var replayed = new ConcurrentQueue<byte[]>();
        pump.SetTap(bytes => replayed.Enqueue(bytes.ToArray()), replay: true);
        Assert.Equal("early\n", Text(replayed));
        Assert.Equal("early\n", pump.TakeRest());
    }

    [Fact]
    public async Task PythonWarm_PrintReachesTheTap_BeforeTheJobEnds_AndOnlyThisJobsLines()
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", """
            import time

            print("loading")

            def handle(payload, context):
                print("started " + payload.decode())
                time.sleep(2)
                print("finished")
                return "ok"
            """);
        await using var runner = RunnerFactory.Create(Run.Shim(FunctionRuntime.Python, RunMode.Warm, "handler.py"), folder.Path, Run.Options(true));
        var (seen, request) = Tapped("one");
        var run = runner.RunAsync(request, CancellationToken.None);

        await WaitForAsync(seen, "started one\n");
        Assert.False(run.IsCompleted, "the line arrived while the handler ran");
        var result = await run;
        Assert.Null(result.Error);
        Assert.Equal("started one\nfinished\n", Text(seen));

        // The next job's tap hears only the next job.
        var (next, secondRequest) = Tapped("two");
        await runner.RunAsync(secondRequest, CancellationToken.None);
        Assert.Equal("started two\nfinished\n", Text(next));
    }

    private static (ConcurrentQueue<byte[]> Seen, RunRequest Request) Tapped(string payload)
    {
        var seen = new ConcurrentQueue<byte[]>();
        return (seen, Run.Request(payload) with { Tap = bytes => seen.Enqueue(bytes.ToArray()) });
    }

    private static string Text(ConcurrentQueue<byte[]> seen) => Encoding.UTF8.GetString([.. seen.SelectMany(b => b)]);

    private static async Task WaitForAsync(ConcurrentQueue<byte[]> seen, string text)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!Text(seen).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < until, $"the tap never heard '{text.Trim()}' (heard '{Text(seen)}')");
            await Task.Delay(20);
        }
    }
}
