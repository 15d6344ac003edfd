using System.Text.Json;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;

namespace Fjord.Runtime.Tests;

public sealed class WarmRunnerTests
{
    private const string PythonHandler = """
        import json, os, time

        print("loading handler")

        def handle(payload, context):
            text = payload.decode()
            print("log of " + text)
            if text == "boom":
                raise ValueError("boom requested")
            if text == "json":
                return {"job": context.job_id, "attempt": context.attempt, "env": os.environ.get("FJORD_JOB_ID")}
            if text == "pid":
                return str(os.getpid())
            if text.startswith("sleep"):
                time.sleep(float(text.split()[1]))
            if text == "exit":
                os._exit(7)
            return ("echo:" + text).encode()
        """;

    private const string NodeHandler = """
        console.log('loading handler');
        exports.handle = async (payload, context) => {
            const text = payload.toString();
            console.log('log of ' + text);
            if (text === 'boom') throw new Error('boom requested');
            if (text === 'json') return { job: context.jobId, isBuffer: Buffer.isBuffer(payload) };
            if (text.startsWith('sleep')) await new Promise(r => setTimeout(r, Number(text.split(' ')[1]) * 1000));
            return Buffer.from('echo:' + text);
        };
        """;

    private static IFunctionRunner Python(TempFolder folder, bool sandbox, RunMode mode = RunMode.Warm, TimeSpan? timeout = null) =>
        ShimRunners.Create(folder, FunctionRuntime.Python, "handler.py", PythonHandler, sandbox, mode, timeout);

    private static IFunctionRunner Node(TempFolder folder, bool sandbox, RunMode mode = RunMode.Warm, TimeSpan? timeout = null) =>
        ShimRunners.Create(folder, FunctionRuntime.Node, "handler.js", NodeHandler, sandbox, mode, timeout);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_ReusesOneProcess_AcrossJobs(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox);

        var results = new List<RunResult>();
        foreach (var text in new[] { "a", "b", "c" })
            results.Add(await runner.RunAsync(Run.Request(text), CancellationToken.None));

        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(["echo:a", "echo:b", "echo:c"], results.Select(r => r.Text()));
        Assert.Single(results.Select(r => r.Pid).Distinct());
        Assert.True(Run.IsAlive(results[0].Pid));
        Assert.Equal(1, ((ISupervisedRunner)runner).Health.ProcessStarts);
    }

    /// <summary>
    /// Frames far larger than a pipe (64 KiB) arrive in many reads on both sides: the shim's own
    /// read buffer and the runner's read-ahead thread must put each back together exactly, job
    /// after job on one process, small frames in between.
    /// </summary>
    [Fact]
    public async Task RunAsync_EchoesPayloadsLargerThanThePipe_Intact()
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox: false);
        var big = string.Concat(Enumerable.Range(0, 300_000).Select(i => (char)('a' + i % 26))) + "0123456789";

        var first = await runner.RunAsync(Run.Request(big), CancellationToken.None);
        var small = await runner.RunAsync(Run.Request("x"), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request(big + "z"), CancellationToken.None);

        Assert.Null(first.Error);
        Assert.Equal("echo:" + big, first.Text());
        Assert.Equal("echo:x", small.Text());
        Assert.Equal("echo:" + big + "z", second.Text());
        Assert.Single(new[] { first.Pid, small.Pid, second.Pid }.Distinct());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_KeepsPrintOutOfResult_AndInThatJobsLog(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox);

        var first = await runner.RunAsync(Run.Request("one"), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request("two"), CancellationToken.None);

        Assert.Equal("echo:one", first.Text());
        Assert.Contains("loading handler", first.Log, StringComparison.Ordinal);
        Assert.Contains("log of one", first.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("log of two", first.Log, StringComparison.Ordinal);
        Assert.Equal("log of two\n", second.Log);
    }

    [Fact]
    public async Task RunAsync_FailsAsException_WithTracebackInLog()
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox: true);

        var failed = await runner.RunAsync(Run.Request("boom"), CancellationToken.None);
        var after = await runner.RunAsync(Run.Request("fine"), CancellationToken.None);

        Assert.Equal(ErrorKind.Exception, failed.Error?.Kind);
        Assert.Equal("ValueError: boom requested", failed.Error?.Message);
        Assert.Contains("Traceback (most recent call last)", failed.Log, StringComparison.Ordinal);
        Assert.Contains("handler.py", failed.Log, StringComparison.Ordinal);
        Assert.Equal(failed.Pid, after.Pid);
        Assert.Equal(0, ((ISupervisedRunner)runner).Health.ConsecutiveFailures);
    }

    [Fact]
    public async Task RunAsync_ReturnsJson_WithJobContext()
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox: true);
        var request = Run.Request("json") with { Attempt = 3 };

        var result = await runner.RunAsync(request, CancellationToken.None);

        Assert.Equal("application/json", result.ContentType);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(request.JobId, json.RootElement.GetProperty("job").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("attempt").GetInt32());
        Assert.Equal(request.JobId, json.RootElement.GetProperty("env").GetString());
    }

    [Theory]
    [InlineData(RunMode.Warm)]
    [InlineData(RunMode.Fork)]
    public async Task RunAsync_AwaitsAsyncPythonHandlers(RunMode mode)
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", """
            import asyncio

            async def handle(payload, context):
                await asyncio.sleep(0.01)
                return {"async": payload.decode()}
            """);
        var spec = Run.Shim(FunctionRuntime.Python, mode, "handler.py") with { Timeout = TimeSpan.FromSeconds(30) };
        await using var runner = RunnerFactory.Create(spec, folder.Path, Run.Options(true));

        var result = await runner.RunAsync(Run.Request("later"), CancellationToken.None);

        Assert.True(result.Succeeded, result.Log);
        Assert.Equal("application/json", result.ContentType);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal("later", json.RootElement.GetProperty("async").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FailsAsCrash_AndRestarts_WhenProcessKilledMidJob(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox);
        var warm = await runner.RunAsync(Run.Request("warm up"), CancellationToken.None);

        var running = runner.RunAsync(Run.Request("sleep 30"), CancellationToken.None);
        await Task.Delay(500);
        Assert.False(running.IsCompleted);
        using (var victim = System.Diagnostics.Process.GetProcessById(warm.Pid))
            victim.Kill();
        var crashed = await running;
        var next = await runner.RunAsync(Run.Request("again"), CancellationToken.None);

        Assert.Equal(ErrorKind.Crash, crashed.Error?.Kind);
        Assert.Contains("SIGKILL", crashed.Error?.Message, StringComparison.Ordinal);
        Assert.Null(next.Error);
        Assert.Equal("echo:again", next.Text());
        Assert.NotEqual(warm.Pid, next.Pid);
        Assert.Equal(2, ((ISupervisedRunner)runner).Health.ProcessStarts);
    }

    [Fact]
    public async Task RunAsync_FailsAsCrash_WhenHandlerExitsTheProcess()
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox: false);

        var exited = await runner.RunAsync(Run.Request("exit"), CancellationToken.None);
        var next = await runner.RunAsync(Run.Request("x"), CancellationToken.None);

        Assert.Equal(ErrorKind.Crash, exited.Error?.Kind);
        Assert.Equal(7, exited.Error?.ExitCode);
        Assert.Contains("log of exit", exited.Log, StringComparison.Ordinal);
        Assert.Null(next.Error);
        Assert.Equal(0, ((ISupervisedRunner)runner).Health.ConsecutiveFailures);
        Assert.Equal(2, ((ISupervisedRunner)runner).Health.ProcessStarts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FailsAsTimeout_AndNextJobGetsFreshProcess(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox, timeout: TimeSpan.FromSeconds(1.5));

        await ShimRunners.AssertTimeoutGivesTheNextJobAFreshProcessAsync(runner);
    }

    [Fact]
    public async Task RunAsync_ThrowsAndKillsProcess_WhenCancelled()
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox: true);
        var warm = await runner.RunAsync(Run.Request("warm up"), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Run.Request("sleep 60"), cts.Token));

        Assert.False(Run.IsAlive(warm.Pid));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FailsAsMemory_WhenOverLimit(bool sandbox)
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", "def handle(payload, context):\n    block = bytearray(1024 * 1024 * 1024)\n    return len(block)\n");
        var spec = Run.Shim(FunctionRuntime.Python, RunMode.Warm, "handler.py") with { MemoryBytes = 64L * 1024 * 1024 };
        await using var runner = RunnerFactory.Create(spec, folder.Path, Run.Options(sandbox));

        var result = await runner.RunAsync(Run.Request(""), CancellationToken.None);

        Assert.Equal(ErrorKind.Memory, result.Error?.Kind);
        Assert.Equal(1, ((ISupervisedRunner)runner).Health.ConsecutiveFailures);
    }

    [Fact]
    public async Task RunAsync_FailsWithTraceback_WhenHandlerDoesNotLoad()
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", "def handle(payload, context)\n    return 1\n");
        var spec = Run.Shim(FunctionRuntime.Python, RunMode.Warm, "handler.py");
        await using var runner = RunnerFactory.Create(spec, folder.Path, Run.Options(true));

        var first = await runner.RunAsync(Run.Request(""), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request(""), CancellationToken.None);

        Assert.Equal(ErrorKind.Exception, first.Error?.Kind);
        Assert.Contains("SyntaxError", first.Error?.Message, StringComparison.Ordinal);
        Assert.Contains("SyntaxError", first.Log, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.Exception, second.Error?.Kind);
        Assert.Equal(2, ((ISupervisedRunner)runner).Health.ConsecutiveFailures);
    }

    [Fact]
    public async Task RunAsync_FailsAsTimeout_WhenHandlerLoadsTooSlowly()
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", "import time\ntime.sleep(60)\ndef handle(payload, context):\n    return payload\n");
        var spec = Run.Shim(FunctionRuntime.Python, RunMode.Warm, "handler.py");
        await using var runner = RunnerFactory.Create(spec, folder.Path, Run.Options(true) with { StartTimeout = TimeSpan.FromSeconds(1) });

        var result = await runner.RunAsync(Run.Request(""), CancellationToken.None);

        Assert.Equal(ErrorKind.Timeout, result.Error?.Kind);
        Assert.Contains("did not load", result.Error?.Message, StringComparison.Ordinal);
        Assert.Null(((ISupervisedRunner)runner).Health.ProcessId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_StartsNewPythonProcess_EachJob_InForkMode(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Python(folder, sandbox, RunMode.Fork);

        var first = await runner.RunAsync(Run.Request("one"), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request("json"), CancellationToken.None);

        Assert.Equal("echo:one", first.Text());
        Assert.Contains("log of one", first.Log, StringComparison.Ordinal);
        Assert.Equal("application/json", second.ContentType);
        Assert.NotEqual(first.Pid, second.Pid);
        Assert.False(Run.IsAlive(first.Pid));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_RunsNodeHandler_WarmWithConsoleLogInLog(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Node(folder, sandbox);

        var first = await runner.RunAsync(Run.Request("one"), CancellationToken.None);
        var json = await runner.RunAsync(Run.Request("json"), CancellationToken.None);
        var boom = await runner.RunAsync(Run.Request("boom"), CancellationToken.None);

        Assert.Equal("echo:one", first.Text());
        Assert.Contains("loading handler", first.Log, StringComparison.Ordinal);
        Assert.Contains("log of one", first.Log, StringComparison.Ordinal);
        Assert.Equal("application/json", json.ContentType);
        using var doc = JsonDocument.Parse(json.Output);
        Assert.True(doc.RootElement.GetProperty("isBuffer").GetBoolean());
        Assert.Equal(ErrorKind.Exception, boom.Error?.Kind);
        Assert.Contains("boom requested", boom.Log, StringComparison.Ordinal);
        Assert.Equal(first.Pid, boom.Pid);
    }

    [Fact]
    public async Task RunAsync_TimesOutNode_AndStartsFresh()
    {
        using var folder = new TempFolder();
        await using var runner = Node(folder, sandbox: true, timeout: TimeSpan.FromSeconds(1.5));
        var warm = await runner.RunAsync(Run.Request("warm"), CancellationToken.None);

        var timedOut = await runner.RunAsync(Run.Request("sleep 60"), CancellationToken.None);
        var next = await runner.RunAsync(Run.Request("after"), CancellationToken.None);

        Assert.Equal(ErrorKind.Timeout, timedOut.Error?.Kind);
        Assert.Equal("echo:after", next.Text());
        Assert.NotEqual(warm.Pid, next.Pid);
    }

    [Fact]
    public async Task RunAsync_RunsNodeHandler_InForkMode()
    {
        using var folder = new TempFolder();
        await using var runner = Node(folder, sandbox: true, RunMode.Fork);

        var first = await runner.RunAsync(Run.Request("one"), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request("two"), CancellationToken.None);

        Assert.Equal("echo:two", second.Text());
        Assert.NotEqual(first.Pid, second.Pid);
    }
}
