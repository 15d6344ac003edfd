using System.Collections.Concurrent;
using System.Text;
using Fjord.Core.Jobs;
using Fjord.Runtime;
using Fjord.Worker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Gateway.Tests;

/// <summary>
/// The real <see cref="WorkerHost"/> over the test gateway's store, with runners whose outcome the
/// test scripts: jobs go in through HTTP, are leased, run, retried and recorded exactly as in
/// `fjord up`; only the function process is replaced. Every run is logged with its start time.
/// </summary>
internal sealed class TestWorker : IAsyncDisposable
{
    private readonly WorkerHost _host;

    private TestWorker(WorkerHost host) => _host = host;

    /// <summary>Every attempt that reached a runner: job id, attempt number, local start time.</summary>
    public ConcurrentQueue<(string JobId, int Attempt, DateTimeOffset At)> Runs { get; } = new();

    public static async Task<TestWorker> StartAsync(TestGateway gw, Func<RunRequest, CancellationToken, Task<RunResult>> script, TimeSpan? renewInterval = null, Fjord.Worker.Metrics.JobMetrics? metrics = null, LiveLogs? liveLogs = null)
    {
        TestWorker? worker = null;
        var host = new WorkerHost(gw.Store, gw.Store, new WorkerOptions
        {
            Node = "test-node",
            BundleDir = Path.Combine(gw.Dir, "bundles"),
            CreateRunner = (_, _) => new Runner(r => worker!.Runs.Enqueue((r.JobId, r.Attempt, DateTimeOffset.UtcNow)), script),
            RenewInterval = renewInterval ?? TimeSpan.FromMilliseconds(500),
            ReconcileInterval = TimeSpan.FromMilliseconds(100),
            DrainGrace = TimeSpan.FromSeconds(2),
            Metrics = metrics,
            LiveLogs = liveLogs,
        }, NullLogger<WorkerHost>.Instance);
        worker = new TestWorker(host);
        await host.StartAsync(CancellationToken.None);
        return worker;
    }

    public static RunResult Ok(string output) => new(Encoding.UTF8.GetBytes(output), "text/plain", null, "ran ok", 1);

    public static RunResult Fail(ErrorKind kind, string message) => new([], "text/plain", new JobError(kind, message, 1), "it broke", 1);

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private sealed class Runner(Action<RunRequest> started, Func<RunRequest, CancellationToken, Task<RunResult>> script) : IFunctionRunner
    {
        public Task<RunResult> RunAsync(RunRequest request, CancellationToken cancellationToken)
        {
            started(request);
            return script(request, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
