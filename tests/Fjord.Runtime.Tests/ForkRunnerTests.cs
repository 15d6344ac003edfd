using Fjord.Core.Jobs;

namespace Fjord.Runtime.Tests;

public sealed class ForkRunnerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_ReturnsStdout_ForWc(bool sandbox)
    {
        var result = await Run.OnceAsync(Run.Exec("wc", "-w"), null, sandbox, "one two three four");

        Assert.Null(result.Error);
        Assert.Equal("4", result.Text().Trim());
        Assert.Equal("application/octet-stream", result.ContentType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FailsAsExitWithLog_WhenNonZero(bool sandbox)
    {
        var result = await Run.OnceAsync(Run.Exec("/bin/sh", "-c", "echo partial; echo 'it went wrong' >&2; exit 3"), null, sandbox);

        Assert.Equal(ErrorKind.Exit, result.Error?.Kind);
        Assert.Equal(3, result.Error?.ExitCode);
        Assert.Contains("it went wrong", result.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_GivesFjordAndFunctionEnvOnly_NotTheHosts(bool sandbox)
    {
        Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PATH")));
        Environment.SetEnvironmentVariable("FJORD_TEST_HOST_SECRET", "leak");
        var spec = Run.Exec("/usr/bin/env") with { Env = new Dictionary<string, string> { ["GREETING"] = "hej" } };
        await using var runner = RunnerFactory.Create(spec, null, Run.Options(sandbox));
        var request = Run.Request("") with { Attempt = 2 };

        var result = await runner.RunAsync(request, CancellationToken.None);

        var env = result.Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"FJORD_JOB_ID={request.JobId}", env);
        Assert.Contains("FJORD_FUNCTION=t-exec", env);
        Assert.Contains("FJORD_ATTEMPT=2", env);
        Assert.Contains("GREETING=hej", env);
        Assert.DoesNotContain(env, line => line.StartsWith("HOME=", StringComparison.Ordinal));
        Assert.DoesNotContain(env, line => line.StartsWith("FJORD_TEST_HOST_SECRET=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task RunAsync_KillsDetachedGrandchild_OnTimeout(bool sandbox) =>
        AssertDetachedGrandchildDiesOnTimeoutAsync(sandbox, options: null);

    [Fact]
    public Task RunAsync_KillsDetachedGrandchild_OnTimeout_InSandboxWithoutCgroups() =>
        AssertDetachedGrandchildDiesOnTimeoutAsync(sandbox: true, options: Run.Options(true) with { Limits = false });

    /// <summary>A script that leaves a grandchild in a session of its own times out; within 5 s no process of it is left.</summary>
    private static async Task AssertDetachedGrandchildDiesOnTimeoutAsync(bool sandbox, RuntimeOptions? options)
    {
        using var folder = new TempFolder();
        var marker = "fjord-marker-" + Guid.NewGuid().ToString("N");
        folder.Write("run.sh", $"#!/bin/sh\nsetsid /bin/sh -c 'sleep 300; : {marker}' &\nsleep 300\n", executable: true);
        var spec = Run.Exec("./run.sh") with { Timeout = TimeSpan.FromSeconds(1.5) };

        var result = await Run.OnceAsync(spec, folder.Path, sandbox, options: options);

        Assert.Equal(ErrorKind.Timeout, result.Error?.Kind);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (ProcScan.PidsWith(marker).Count > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Empty(ProcScan.PidsWith(marker));
    }

    [Fact]
    public async Task RunAsync_StartsNewProcess_EachAttempt()
    {
        await using var runner = RunnerFactory.Create(Run.Exec("/bin/sh", "-c", "echo $$"), null, Run.Options(false));

        var first = await runner.RunAsync(Run.Request(""), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request(""), CancellationToken.None);

        Assert.NotEqual(first.Pid, second.Pid);
        Assert.Equal(first.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), first.Text().Trim());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FailsAsCrash_WhenKilledBySignal(bool sandbox)
    {
        var result = await Run.OnceAsync(Run.Exec("/bin/sh", "-c", "kill -SEGV $$"), null, sandbox);

        Assert.Equal(ErrorKind.Crash, result.Error?.Kind);
        Assert.Contains("SIGSEGV", result.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FailsCleanly_WhenOutputExceedsCap()
    {
        var options = Run.Options(false) with { MaxOutputBytes = 10_000 };

        var result = await Run.OnceAsync(Run.Exec("/bin/sh", "-c", "head -c 1000000 /dev/zero; sleep 30"), null, false, options: options);

        Assert.Equal(ErrorKind.Exit, result.Error?.Kind);
        Assert.Contains("exceeded the limit", result.Error?.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task RunAsync_RunsRelativeProgram_FromFunctionFolder()
    {
        using var folder = new TempFolder();
        folder.Write("hello.sh", "#!/bin/sh\necho \"hello from $(pwd)\"\n", executable: true);

        var plain = await Run.OnceAsync(Run.Exec("hello.sh"), folder.Path, false);
        var boxed = await Run.OnceAsync(Run.Exec("./hello.sh"), folder.Path, true);

        Assert.Equal($"hello from {folder.Path}", plain.Text().Trim());
        Assert.Equal("hello from /fn", boxed.Text().Trim());
    }

    [Fact]
    public async Task RunAsync_KeepsTailOfLongLog()
    {
        var options = Run.Options(false) with { MaxLogBytes = 1024 };

        var result = await Run.OnceAsync(Run.Exec("/bin/sh", "-c", "i=0; while [ $i -lt 500 ]; do echo line-$i >&2; i=$((i+1)); done"), null, false, options: options);

        Assert.Contains("line-499", result.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("line-1\n", result.Log, StringComparison.Ordinal);
        Assert.Contains("truncated", result.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ThrowsAndKillsTree_WhenCancelled()
    {
        var marker = "fjord-cancel-" + Guid.NewGuid().ToString("N");
        await using var runner = RunnerFactory.Create(Run.Exec("/bin/sh", "-c", $"sleep 300; : {marker}"), null, Run.Options(false));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Run.Request(""), cts.Token));

        Assert.Empty(ProcScan.PidsWith(marker));
    }
}
