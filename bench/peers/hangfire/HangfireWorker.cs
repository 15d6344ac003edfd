using Hangfire;

namespace Fjord.Peers;

/// <summary>The worker process: a Hangfire server with 8 workers; prints "ready", then the time the JOBS-th job finished.</summary>
internal static class HangfireWorker
{
    public const string Queue = "peers";

    public static async Task RunAsync(JobStorage storage, int jobs)
    {
        NoopJob.Expected = jobs;
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 8, Queues = [Queue] }, storage);
        Console.WriteLine("ready");
        Console.WriteLine(PeerProcess.FormatMs(await NoopJob.Done.Task));
    }
}
