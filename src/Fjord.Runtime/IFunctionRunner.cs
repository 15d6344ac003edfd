using Fjord.Core.Jobs;

namespace Fjord.Runtime;

/// <summary>
/// Runs attempts of one function in one pool slot. Every mode (fork, warm) implements all of it;
/// the worker never asks which one it has. A runner is used by one slot at a time, so
/// <see cref="RunAsync"/> is never called concurrently on the same instance.
/// </summary>
public interface IFunctionRunner : IAsyncDisposable
{
    /// <summary>
    /// Runs one attempt. Function failures (non-zero exit, exception, timeout, crash, memory) come
    /// back in <see cref="RunResult.Error"/>; this method throws only when cancelled, after it has
    /// killed the attempt's whole process tree.
    /// </summary>
    Task<RunResult> RunAsync(RunRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the slot's process ahead of its first job (warm mode), so the job finds it ready.
    /// Returns false when it could not start (the runner's health says why; the next job tries
    /// again). Runners without a long-lived process (fork) have nothing to start.
    /// </summary>
    Task<bool> WarmUpAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>Completes when the slot's live process dies between jobs (warm mode); never for a runner without one.</summary>
    Task ProcessGone => RunnerTasks.Never;
}

/// <summary>Shared by the runners' default members.</summary>
public static class RunnerTasks
{
    /// <summary>A task that never completes.</summary>
    public static Task Never { get; } = new TaskCompletionSource().Task;
}

public sealed record RunRequest(string JobId, string Function, int Attempt, ReadOnlyMemory<byte> Payload, string? ContentType)
{
    /// <summary>Hears the attempt's log lines as the process writes them (`logs -f`); the full log still comes back in <see cref="RunResult.Log"/>.</summary>
    public LogTap? Tap { get; init; }

    /// <summary>The attempt's W3C trace context: TRACEPARENT/TRACESTATE for exec, context.traceparent in the shims.</summary>
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    /// <summary>What made the job: <c>context.trigger</c> in the shims, FJORD_TRIGGER (JSON) for exec; null says nothing (an HTTP job).</summary>
    public JobTrigger? Trigger { get; init; }
}

/// <summary>Receives raw stderr bytes of a running attempt, whole lines at a time for warm processes. Called on the pump's thread: must not block.</summary>
public delegate void LogTap(ReadOnlySpan<byte> bytes);

/// <summary>The outcome of one attempt. <see cref="Pid"/> is the host pid of the process that ran it.</summary>
public sealed record RunResult(byte[] Output, string ContentType, JobError? Error, string Log, int Pid)
{
    public bool Succeeded => Error is null;
}
