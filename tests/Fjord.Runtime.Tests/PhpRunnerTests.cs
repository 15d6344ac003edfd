using System.Text.Json;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;

namespace Fjord.Runtime.Tests;

/// <summary><c>runtime: php</c> through its shim, warm and fork, in and out of the sandbox: the python and node tests' questions asked of PHP.</summary>
public sealed class PhpRunnerTests
{
    private const string Handler = """
        <?php
        echo "loading handler\n";

        function handle(string $payload, array $context)
        {
            echo "log of $payload\n";
            if ($payload === 'boom') {
                throw new InvalidArgumentException('boom requested');
            }
            if ($payload === 'json') {
                return ['job' => $context['jobId'], 'attempt' => $context['attempt'], 'env' => getenv('FJORD_JOB_ID'), 'function' => $context['function']];
            }
            if ($payload === 'null') {
                return null;
            }
            if ($payload === 'binary') {
                return "\xff\xfe\x00";
            }
            if ($payload === 'warn') {
                return intdiv(1, 1) + $undefinedVariable;
            }
            if (str_starts_with($payload, 'sleep')) {
                sleep((int)explode(' ', $payload)[1]);
            }
            if ($payload === 'exit') {
                exit(7);
            }
            if ($payload === 'etc') {
                return file_exists('/etc/shadow') ? 'shadow visible' : 'no shadow';
            }
            printf("%s via printf\n", $payload);
            return "echo:$payload";
        }
        """;

    private static IFunctionRunner Php(TempFolder folder, bool sandbox, RunMode mode = RunMode.Warm, TimeSpan? timeout = null) =>
        ShimRunners.Create(folder, FunctionRuntime.Php, "handler.php", Handler, sandbox, mode, timeout);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_ReusesOneProcess_AndKeepsEchoInThatJobsLog(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox);

        var first = await runner.RunAsync(Run.Request("one"), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request("two"), CancellationToken.None);

        Assert.True(first.Succeeded, first.Log);
        Assert.Equal("echo:one", first.Text());
        Assert.Equal("text/plain; charset=utf-8", first.ContentType);
        Assert.Contains("loading handler", first.Log, StringComparison.Ordinal);
        Assert.Contains("log of one", first.Log, StringComparison.Ordinal);
        Assert.Contains("one via printf", first.Log, StringComparison.Ordinal);
        Assert.Equal("log of two\ntwo via printf\n", second.Log);
        Assert.Equal(first.Pid, second.Pid);
        Assert.Equal(1, ((ISupervisedRunner)runner).Health.ProcessStarts);
    }

    [Theory]
    [InlineData(RunMode.Warm)]
    [InlineData(RunMode.Fork)]
    public async Task RunAsync_ReturnsJson_WithJobContext(RunMode mode)
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox: true, mode);
        var request = Run.Request("json") with { Attempt = 3 };

        var result = await runner.RunAsync(request, CancellationToken.None);
        var empty = await runner.RunAsync(Run.Request("null"), CancellationToken.None);

        Assert.True(result.Succeeded, result.Log);
        Assert.Equal("application/json", result.ContentType);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(request.JobId, json.RootElement.GetProperty("job").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("attempt").GetInt32());
        Assert.Equal(request.JobId, json.RootElement.GetProperty("env").GetString());
        Assert.Equal(request.Function, json.RootElement.GetProperty("function").GetString());
        Assert.Equal("null", empty.Text());
        Assert.Equal("application/json", empty.ContentType);
    }

    [Fact]
    public async Task RunAsync_ReturnsBytesThatAreNotUtf8_AsOctetStream()
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox: true);

        var result = await runner.RunAsync(Run.Request("binary"), CancellationToken.None);

        Assert.Equal([0xff, 0xfe, 0x00], result.Output);
        Assert.Equal("application/octet-stream", result.ContentType);
    }

    [Theory]
    [InlineData(RunMode.Warm)]
    [InlineData(RunMode.Fork)]
    public async Task RunAsync_FailsAsException_WithTraceInLog(RunMode mode)
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox: true, mode);

        var failed = await runner.RunAsync(Run.Request("boom"), CancellationToken.None);
        var after = await runner.RunAsync(Run.Request("fine"), CancellationToken.None);

        Assert.Equal(ErrorKind.Exception, failed.Error?.Kind);
        Assert.Equal("InvalidArgumentException: boom requested", failed.Error?.Message);
        Assert.Contains("Stack trace:", failed.Log, StringComparison.Ordinal);
        Assert.Contains("handler.php", failed.Log, StringComparison.Ordinal);
        Assert.Equal("echo:fine", after.Text());
        if (mode == RunMode.Warm)
            Assert.Equal(failed.Pid, after.Pid);
        else
            Assert.NotEqual(failed.Pid, after.Pid);
    }

    [Fact]
    public async Task RunAsync_PutsWarningsInLog_NotInResult()
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox: true);

        var result = await runner.RunAsync(Run.Request("warn"), CancellationToken.None);

        Assert.True(result.Succeeded, result.Log);
        Assert.Equal("1", result.Text());
        Assert.Contains("Undefined variable $undefinedVariable", result.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FailsAsTimeout_AndNextJobGetsFreshProcess(bool sandbox)
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox, timeout: TimeSpan.FromSeconds(1.5));

        await ShimRunners.AssertTimeoutGivesTheNextJobAFreshProcessAsync(runner);
    }

    [Fact]
    public async Task RunAsync_StartsNewProcess_EachJob_InForkMode()
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox: true, RunMode.Fork);

        var first = await runner.RunAsync(Run.Request("one"), CancellationToken.None);
        var second = await runner.RunAsync(Run.Request("two"), CancellationToken.None);

        Assert.Equal("echo:one", first.Text());
        Assert.Equal("echo:two", second.Text());
        Assert.Contains("loading handler", second.Log, StringComparison.Ordinal);
        Assert.NotEqual(first.Pid, second.Pid);
        Assert.False(Run.IsAlive(first.Pid));
    }

    [Fact]
    public async Task RunAsync_FailsAsCrash_WhenHandlerExits()
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox: true);

        var exited = await runner.RunAsync(Run.Request("exit"), CancellationToken.None);
        var next = await runner.RunAsync(Run.Request("x"), CancellationToken.None);

        Assert.Equal(ErrorKind.Crash, exited.Error?.Kind);
        Assert.Equal(7, exited.Error?.ExitCode);
        Assert.Equal("echo:x", next.Text());
    }

    [Fact]
    public async Task RunAsync_SeesSandboxedSystem_WithoutHostSecrets()
    {
        using var folder = new TempFolder();
        await using var runner = Php(folder, sandbox: true);

        var result = await runner.RunAsync(Run.Request("etc"), CancellationToken.None);

        Assert.Equal("no shadow", result.Text());
    }

    [Theory]
    [InlineData("<?php\nfunction handle(string $payload, array $context) {\n    return 1\n}\n", "cannot load handler: ParseError")]
    [InlineData("<?php\nfunction other() {}\n", "cannot load handler: RuntimeException")]
    public async Task RunAsync_FailsAsException_WithReasonInLog_WhenHandlerDoesNotLoad(string source, string message)
    {
        using var folder = new TempFolder();
        folder.Write("handler.php", source);
        var spec = Run.Shim(FunctionRuntime.Php, RunMode.Warm, "handler.php");
        await using var runner = RunnerFactory.Create(spec, folder.Path, Run.Options(true));

        var result = await runner.RunAsync(Run.Request(""), CancellationToken.None);

        Assert.Equal(ErrorKind.Exception, result.Error?.Kind);
        Assert.StartsWith(message, result.Error?.Message, StringComparison.Ordinal);
        Assert.Contains(message["cannot load handler: ".Length..], result.Log, StringComparison.Ordinal);
    }
}
