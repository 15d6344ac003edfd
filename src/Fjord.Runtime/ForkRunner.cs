using Fjord.Core.Functions;
using Fjord.Core.Images;
using Fjord.Core.Jobs;
using Fjord.Runtime.Images;
using Fjord.Runtime.Processes;
using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime;

/// <summary>
/// Mode fork: one process per attempt (the classic watchdog). Exec functions get the payload on
/// stdin and answer on stdout; python and node functions run their shim for exactly one job, so a
/// handler behaves the same in fork and warm mode.
/// </summary>
internal sealed partial class ForkRunner(FunctionSpec spec, string? functionDir, RuntimeOptions options, ImageRoot? image = null) : IFunctionRunner, ISupervisedRunner
{
    private const string OctetStream = "application/octet-stream";

    private readonly HealthCounter _health = new();

    public RunnerHealth Health => _health.Current;

    /// <summary>The image whose root this function runs in, checked at its first start (a bad one fails every start with the same reason).</summary>
    private readonly Lazy<RunnableImage>? _image = image is null ? null : new(() => RunnableImage.Prepare(image));

    /// <summary>Nothing outlives an attempt in fork mode.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task<RunResult> RunAsync(RunRequest request, CancellationToken cancellationToken) =>
        spec.Runtime == FunctionRuntime.Exec
            ? RunExecAsync(request, cancellationToken)
            : RunShimOnceAsync(request, cancellationToken);

    private async Task<RunResult> RunExecAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var sandboxed = options.Sandbox && options.ResolvedHost.Bwrap is not null;
        FunctionProcess process;
        try
        {
            var prepared = _image?.Value;
            var command = prepared is null ? ExecCommand(sandboxed) : prepared.Command(spec.Command);
            var launch = new LaunchSpec(spec.Name, command, RunnerEnvironment.For(spec, request, prepared), functionDir, spec.Network, spec.MemoryBytes)
            {
                Secrets = spec.Secrets,
                CpuCores = spec.CpuCores,
                Image = prepared,
            };
            process = await FunctionProcess.StartAsync(launch, options);
        }
        catch (FunctionStartException e)
        {
            _health.StartFailed(e.Message);
            return StartFailed(e);
        }
        _health.Started(process.Pid);
        // The process may have written already: the tap gets that first.
        process.Stderr.SetTap(request.Tap, replay: true);

        await using (process)
        {
            using var timeout = new CancellationTokenSource(spec.Timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var output = new CappedOutput(process.Stdout, options.MaxOutputBytes, process.KillTree);
            _ = WriteStdinAsync(process.Stdin, request.Payload);
            try
            {
                await process.WaitForExitAsync(linked.Token);
            }
            catch (OperationCanceledException)
            {
                process.KillTree();
                var killedLog = await LogAsync(process);
                _health.Stopped();
                cancellationToken.ThrowIfCancellationRequested();
                return Timeout(killedLog, process.Pid);
            }

            // The attempt is over: whatever it started and left running dies with it.
            process.KillTree();
            var bytes = await output.ToArrayAsync(TimeSpan.FromSeconds(1));
            var log = await LogAsync(process);
            _health.Stopped();
            RunResult result;
            if (output.Overflowed)
                result = new RunResult([], OctetStream, new JobError(ErrorKind.Exit, $"the output exceeded the limit of {Quantity.FormatBytes(options.MaxOutputBytes)}; the process was killed"), log, process.Pid);
            else if (process.ExitCode == 0)
                result = new RunResult(bytes, OctetStream, null, log, process.Pid);
            else
                result = new RunResult(bytes, OctetStream, ExitClassifier.Classify(process.ExitCode, process.OomKilled, spec.MemoryBytes), log, process.Pid);
            _health.Finished(result);
            return result;
        }
    }

    /// <summary>A relative program is looked up in the function's folder (CONTRACT §2), a bare name also on PATH.</summary>
    private List<string> ExecCommand(bool sandboxed)
    {
        var command = spec.Command.ToList();
        var program = command[0];
        if (functionDir is not null && !Path.IsPathRooted(program)
            && (program.Contains('/', StringComparison.Ordinal) || File.Exists(Path.Combine(functionDir, program))))
        {
            command[0] = sandboxed
                ? BwrapArgs.FunctionMount + "/" + program
                : Path.GetFullPath(Path.Combine(functionDir, program));
        }
        return command;
    }

    private static async Task WriteStdinAsync(Stream stdin, ReadOnlyMemory<byte> payload)
    {
        try
        {
            await stdin.WriteAsync(payload);
            await stdin.FlushAsync();
        }
        catch (IOException)
        {
            // The program exited or closed stdin without reading it all: its exit code tells.
        }
        finally
        {
            try
            {
                stdin.Dispose();
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string> LogAsync(FunctionProcess process)
    {
        await Task.WhenAny(process.Stderr.Completion, Task.Delay(TimeSpan.FromSeconds(1)));
        return process.Stderr.TakeRest();
    }

    /// <summary>Why the process could not start goes in the job's error and in its log.</summary>
    internal static RunResult StartFailed(FunctionStartException e) =>
        new([], OctetStream, new JobError(ErrorKind.Crash, e.Message), $"fjord: {e.Message}\n", 0);

    private RunResult Timeout(string log, int pid) =>
        new([], OctetStream, new JobError(ErrorKind.Timeout, $"timed out after {Quantity.FormatDuration(spec.Timeout)}; its process tree was killed"), log, pid);
}
