using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Runtime.Processes;

namespace Fjord.Runtime.Shims;

/// <summary>
/// One python, node or php shim process and the protocol conversation with it. A warm runner keeps a
/// session for job after job; fork mode opens one per job. After a timeout, a crash or a protocol
/// error the session is <see cref="Broken"/> and must be disposed, never reused: the process may
/// be mid-frame or mid-job.
/// </summary>
internal sealed class ShimSession : IAsyncDisposable
{
    private const string MarkerLead = "\u001efjord-end:";

    private readonly FunctionProcess _process;
    private readonly ShimFrameReader _frames;
    private readonly FunctionSpec _spec;
    private readonly RuntimeOptions _options;
    private string _pendingLog = "";
    private long _seq;

    private ShimSession(FunctionProcess process, FunctionSpec spec, RuntimeOptions options)
    {
        _process = process;
        _frames = new ShimFrameReader(process.Stdout);
        _spec = spec;
        _options = options;
    }

    public int Pid => _process.Pid;

    /// <summary>Completes when the shim's process is gone.</summary>
    public Task Exited => _process.Exited;
    public bool Broken { get; private set; }
    public int JobsRun { get; private set; }

    /// <summary>Starts the shim and waits until it has loaded the handler.</summary>
    /// <exception cref="FunctionStartException">The process could not be started.</exception>
    /// <exception cref="ShimStartException">The process started but never became ready.</exception>
    public static async Task<ShimSession> StartAsync(FunctionSpec spec, string? functionDir, RuntimeOptions options, RunRequest? request, bool once, CancellationToken cancellationToken, Images.RunnableImage? image = null)
    {
        // A per-process nonce in the log marker: user output cannot end a job's log by accident.
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var markerPrefix = $"{MarkerLead}{nonce}:";
        var sandboxed = options.Sandbox && options.ResolvedHost.Bwrap is not null;
        var env = RunnerEnvironment.For(spec, request, image);
        var command = ShimCommand.For(spec, functionDir, options, sandboxed, nonce, once, image is null ? null : new ImageLaunch(image, env["PATH"]));
        var launch = new LaunchSpec(spec.Name, command, env, functionDir, spec.Network, spec.MemoryBytes, markerPrefix)
        {
            Secrets = spec.Secrets,
            CpuCores = spec.CpuCores,
            Image = image,
            ProtocolOnFd3 = image is not null && spec.Runtime is FunctionRuntime.Node or FunctionRuntime.Php,
        };
        var process = await FunctionProcess.StartAsync(launch, options);
        var session = new ShimSession(process, spec, options);
        try
        {
            await session.WaitReadyAsync(cancellationToken);
            return session;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>How long a start that ended waits for the frames it wrote before it ended.</summary>
    private static readonly TimeSpan ExitedFrameGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits for the ready frame, or for the launched process's own end, whichever comes first.
    /// The end of its pipe is not enough: killed while bubblewrap still sets up (between its clone
    /// and its signal to the child to go on, before that child has its own die-with-parent), the
    /// child is left behind, blocked for good, holding the pipe open. The start would then hang
    /// until the start timeout, and a warm pool below its min would stay short all that time
    /// (supervisord retries a process that dies while STARTING at once; so do we).
    /// </summary>
    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        ShimFrame? frame;
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var read = _frames.ReadAsync(0, gone.Token);
        try
        {
            // A handler that does not load makes the shim write its fatal frame and exit at once:
            // the exit is often seen before that frame is read from the pipe. So after the exit
            // the read gets a moment to take what is already in the pipe (the pipe then ends,
            // unless a child left behind holds it open: hence the bound).
            if (await Task.WhenAny(read, _process.Exited) != read
                && await Task.WhenAny(read, Task.Delay(ExitedFrameGrace, cancellationToken)) != read)
                await gone.CancelAsync();
            frame = await read;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            frame = null; // the process ended first: DiedAsync says how, and kills what it left
        }
        catch (ShimProtocolException e)
        {
            throw new ShimStartException(new JobError(ErrorKind.Crash, "the shim broke protocol at start: " + e.Message), _process.Stderr.TakeRest());
        }
        if (frame?.Type == "ready")
        {
            // What the handler printed while loading goes into the first job's log.
            _pendingLog = await LogOfAsync(0);
            return;
        }
        if (frame?.Type == "fatal")
        {
            var log = await LogOfAsync(0);
            throw new ShimStartException(new JobError(ErrorKind.Exception, (string?)frame.Header["message"] ?? "the handler could not be loaded"), log);
        }
        var (error, rest) = await DiedAsync();
        throw new ShimStartException(error with { Message = "the function process died while starting: " + error.Message }, rest);
    }

    /// <summary>Runs one job. Cancellation (timeout or caller) propagates; the caller then kills and disposes the session.</summary>
    public async Task<RunResult> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        _process.Stderr.SetTap(request.Tap);
        try
        {
            return await RunJobAsync(request, cancellationToken);
        }
        finally
        {
            _process.Stderr.SetTap(null);
        }
    }

    private async Task<RunResult> RunJobAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var seq = ++_seq;
        JobsRun++;
        Broken = true; // until this job ends cleanly
        var header = new JsonObject
        {
            ["type"] = "job",
            ["seq"] = seq,
            ["id"] = request.JobId,
            ["function"] = request.Function,
            ["attempt"] = request.Attempt,
            ["contentType"] = request.ContentType,
            ["maxSize"] = _options.MaxOutputBytes,
            ["traceparent"] = request.TraceParent,
            ["tracestate"] = request.TraceState,
            ["trigger"] = JobTrigger.Pack(request.Trigger) is { } trigger ? JsonNode.Parse(trigger) : null,
        };
        ShimFrame? frame;
        try
        {
            await ShimFrame.WriteAsync(_process.Stdin, header, request.Payload, cancellationToken);
            frame = await _frames.ReadAsync(_options.MaxOutputBytes, cancellationToken);
        }
        catch (IOException)
        {
            frame = null; // the process died under us: the pipe broke
        }
        catch (ShimProtocolException e)
        {
            _process.KillTree();
            var log = Take(_process.Stderr.TakeRest());
            return Fail(new JobError(ErrorKind.Crash, "the function process broke the shim protocol: " + e.Message), log);
        }

        if (frame is null || frame.Type != "result" || (long?)frame.Header["seq"] != seq)
        {
            var (error, rest) = await DiedAsync();
            return Fail(error, Take(rest));
        }

        var jobLog = Take(await LogOfAsync(seq));
        Broken = false;
        if ((bool?)frame.Header["ok"] == true)
            return new RunResult(frame.Body, (string?)frame.Header["contentType"] ?? "application/octet-stream", null, jobLog, Pid);
        var message = (string?)frame.Header["message"] ?? "the handler failed";
        return Fail(new JobError(ErrorKind.Exception, message), jobLog);
    }

    private RunResult Fail(JobError error, string log) => new([], "application/octet-stream", error, log, Pid);

    private string Take(string log)
    {
        var all = _pendingLog + log;
        _pendingLog = "";
        return all;
    }

    /// <summary>The log up to the shim's end marker for <paramref name="seq"/>; it is already in the pipe when the frame arrives.</summary>
    private async Task<string> LogOfAsync(long seq)
    {
        var job = _process.Stderr.WaitForJobAsync(seq);
        if (job.IsCompleted)
            return await job;
        try
        {
            return await job.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            return _process.Stderr.TakeRest();
        }
    }

    /// <summary>The process ended (or closed its protocol pipe): how, and its last words.</summary>
    private async Task<(JobError Error, string Log)> DiedAsync()
    {
        Broken = true;
        try
        {
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            _process.KillTree();
            await _process.WaitForExitAsync(CancellationToken.None);
            return (new JobError(ErrorKind.Crash, "the function process closed its protocol pipe and was killed"), await RestAsync());
        }
        var oom = _process.OomKilled;
        var error = ExitClassifier.Classify(_process.ExitCode, oom, _spec.MemoryBytes);
        // A warm process should never exit during a job: a clean exit is a crash too.
        if (error.Kind == ErrorKind.Exit)
            error = error with { Kind = ErrorKind.Crash, Message = "the function process " + error.Message };
        return (error, await RestAsync());
    }

    private async Task<string> RestAsync()
    {
        _process.KillTree();
        await Task.WhenAny(_process.Stderr.Completion, Task.Delay(TimeSpan.FromSeconds(1)));
        return _process.Stderr.TakeRest();
    }

    /// <summary>Kills the process tree at once (timeout, cancel). Disposal still cleans up after.</summary>
    public void Kill()
    {
        Broken = true;
        _process.KillTree();
    }

    /// <summary>After a kill: whatever the job logged before it.</summary>
    public async Task<string> KilledLogAsync() => Take(await RestAsync());

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
