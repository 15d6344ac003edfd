using Fjord.Core.Functions;
using Fjord.Core.Images;
using Fjord.Core.Jobs;
using Fjord.Runtime.Images;
using Fjord.Runtime.Processes;
using Fjord.Runtime.Shims;
using Microsoft.Extensions.Logging;

namespace Fjord.Runtime;

/// <summary>
/// Mode warm: one long-lived python, node or php process for this pool slot, started on the first job
/// and reused job after job through the shim protocol (runtimes/PROTOCOL.md). A process that
/// crashes, times out or is cancelled mid-job is killed with its whole tree and that attempt
/// fails; the next job starts a fresh process, so one bad job never poisons the next.
/// </summary>
internal sealed partial class WarmRunner(FunctionSpec spec, string? functionDir, RuntimeOptions options, ImageRoot? image = null) : IFunctionRunner, ISupervisedRunner
{
    private const string OctetStream = "application/octet-stream";

    private readonly HealthCounter _health = new();
    private ShimSession? _session;

    public RunnerHealth Health => _health.Current;

    /// <summary>The image whose root this function runs in, checked at its first start (a bad one fails every start with the same reason).</summary>
    private readonly Lazy<RunnableImage>? _image = image is null ? null : new(() => RunnableImage.Prepare(image));

    /// <summary>The host pid of the live process, or null between processes.</summary>
    public int? ProcessId => _session?.Pid;

    public async Task<RunResult> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        if (_session is { Exited.IsCompleted: true })
        {
            // Died between jobs (killed from outside, say): this job gets a fresh process, not a crash.
            await DropSessionAsync();
        }
        if (_session is null && await StartSessionAsync(cancellationToken) is { } failed)
            return failed;

        using var timeout = new CancellationTokenSource(spec.Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var session = _session!;
        try
        {
            var result = await session.RunAsync(request, linked.Token);
            _health.Finished(result);
            if (session.Broken)
            {
                LogProcessLost(options.Logger, spec.Name, session.Pid, result.Error?.Message ?? "");
                await DropSessionAsync();
            }
            return result;
        }
        catch (OperationCanceledException)
        {
            session.Kill();
            var log = await session.KilledLogAsync();
            await DropSessionAsync();
            cancellationToken.ThrowIfCancellationRequested();
            return Timeout(log, session.Pid);
        }
    }

    /// <summary>Starts the process now (elastic pools warm ahead of the first job).</summary>
    public async Task<bool> WarmUpAsync(CancellationToken cancellationToken)
    {
        if (_session is { } live && !live.Exited.IsCompleted)
            return true;
        await DropSessionAsync();
        return await StartSessionAsync(cancellationToken) is null;
    }

    /// <summary>The live process's end; between processes, never (nothing is up to be replaced).</summary>
    public Task ProcessGone => _session?.Exited ?? RunnerTasks.Never;

    /// <summary>Starts the shim and loads the handler; null when it is ready, else the failed attempt's result.</summary>
    private async Task<RunResult?> StartSessionAsync(CancellationToken cancellationToken)
    {
        // Loading the handler has its own budget: the job's timeout starts when the job does.
        using var startTimeout = new CancellationTokenSource(options.StartTimeout);
        using var starting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, startTimeout.Token);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            _session = await ShimSession.StartAsync(spec, functionDir, options, request: null, once: false, starting.Token, _image?.Value);
            options.ColdStart?.Invoke(spec.Name, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            _health.Started(_session.Pid);
            LogStarted(options.Logger, spec.Name, _session.Pid);
        }
        catch (FunctionStartException e)
        {
            _health.StartFailed(e.Message);
            LogStartFailed(options.Logger, spec.Name, e.Message);
            return ForkRunner.StartFailed(e);
        }
        catch (ShimStartException e)
        {
            _health.StartFailed(e.Error.Message);
            LogStartFailed(options.Logger, spec.Name, e.Error.Message);
            return new RunResult([], OctetStream, e.Error, e.Log, 0);
        }
        catch (OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var problem = $"the handler did not load within {Quantity.FormatDuration(options.StartTimeout)}";
            _health.StartFailed(problem);
            LogStartFailed(options.Logger, spec.Name, problem);
            return new RunResult([], OctetStream, new JobError(ErrorKind.Timeout, problem), "", 0);
        }
        return null;
    }

    private async Task DropSessionAsync()
    {
        if (_session is { } session)
        {
            _session = null;
            _health.Stopped();
            await session.DisposeAsync();
        }
    }

    private RunResult Timeout(string log, int pid) =>
        new([], OctetStream, new JobError(ErrorKind.Timeout, $"timed out after {Quantity.FormatDuration(spec.Timeout)}; its process tree was killed"), log, pid);

    public ValueTask DisposeAsync() => new(DropSessionAsync());

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Warm process for {Function} started, pid {Pid}")]
    private static partial void LogStarted(ILogger logger, string function, int pid);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Warm process for {Function} could not start: {Problem}")]
    private static partial void LogStartFailed(ILogger logger, string function, string problem);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Warm process {Pid} of {Function} is gone ({Problem}); the next job starts a fresh one")]
    private static partial void LogProcessLost(ILogger logger, string function, int pid, string problem);
}
