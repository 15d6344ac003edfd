using System.Collections.Concurrent;
using System.Diagnostics;
using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime.Processes;

/// <summary>
/// Starts every function process from one dedicated thread that lives as long as the worker.
/// bubblewrap's --die-with-parent uses PR_SET_PDEATHSIG, which fires when the *thread* that forked
/// the process exits, not the process: forked from a thread-pool thread, a sandbox would be
/// SIGKILLed whenever the pool retires that thread. From this thread it dies only with the worker,
/// which is exactly what --die-with-parent is for.
/// </summary>
internal static class ProcessSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, SecretFiles? Inherit, TaskCompletionSource<Process> Done)> Queue = [];
    private static readonly Lazy<Thread> Thread = new(StartThread);

    /// <param name="inherit">Secret fds the process inherits; inheritable only for the instant of this fork.</param>
    public static Task<Process> StartAsync(ProcessStartInfo info, SecretFiles? inherit = null)
    {
        _ = Thread.Value;
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add((info, inherit, done));
        return done.Task;
    }

    private static Thread StartThread()
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "fjord-process-spawner" };
        thread.Start();
        return thread;
    }

    private static void Loop()
    {
        foreach (var (info, inherit, done) in Queue.GetConsumingEnumerable())
        {
            try
            {
                // Every function start forks from this one thread, so no other function's sandbox
                // can inherit these fds; a fork from elsewhere in the node in this instant could.
                inherit?.SetInheritable(true);
                Process? process;
                try
                {
                    process = Process.Start(info);
                }
                finally
                {
                    inherit?.SetInheritable(false);
                }
                if (process is null)
                    done.SetException(new InvalidOperationException("the process did not start"));
                else
                    done.SetResult(process);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }
    }
}
