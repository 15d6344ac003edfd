namespace Fjord.Peers;

/// <summary>The job: does nothing, and counts itself so the worker knows when the last one finished.</summary>
public static class NoopJob
{
    private static int s_finished;

    internal static int Expected { get; set; }

    internal static TaskCompletionSource<double> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Hangfire stores a call to this method with its argument, and the worker invokes it.</summary>
    public static void Run(string payload)
    {
        if (Interlocked.Increment(ref s_finished) == Expected)
            Done.TrySetResult(PeerProcess.NowMs());
    }
}
