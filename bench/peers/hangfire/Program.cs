using System.Globalization;
using System.Text;
using Fjord.Peers;
using Hangfire;
using Hangfire.States;

// Hangfire on PostgreSQL: the producer enqueues one job at a time (Hangfire's client is
// synchronous: one transaction per job), and a worker process runs a server with 8 workers.
//   HangfirePeer JOBS POSTGRES_URI          both measurements, one JSON line
//   HangfirePeer worker POSTGRES_URI JOBS   (started by the first form) the worker process
if (args[0] == "worker")
{
    await HangfireWorker.RunAsync(HangfireStorage.Open(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture));
    return;
}

var jobs = int.Parse(args[0], CultureInfo.InvariantCulture);
await HangfireStorage.ResetAsync(args[1]);
var client = new BackgroundJobClient(HangfireStorage.Open(args[1]));

var enqueue = Enqueue("idle", jobs); // a queue no server reads: the producer alone
var e2e = await PeerProcess.EndToEndAsync([args[1], args[0]], () => Task.FromResult(Enqueue(HangfireWorker.Queue, jobs).StartMs));

PeerProcess.Report("hangfire", "Hangfire 1.8 on PostgreSQL 15 (Hangfire.PostgreSql 1.21), 8 workers, queue poll 1 s",
    jobs, (enqueue.EndMs - enqueue.StartMs) / 1000, (e2e.LastMs - e2e.StartMs) / 1000);

(double StartMs, double EndMs) Enqueue(string queue, int count)
{
    var payload = Encoding.UTF8.GetString(PeerProcess.Payload);
    var start = PeerProcess.NowMs();
    for (var i = 0; i < count; i++)
        client.Create(() => NoopJob.Run(payload), new EnqueuedState(queue));
    return (start, PeerProcess.NowMs());
}
