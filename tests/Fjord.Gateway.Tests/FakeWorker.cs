using System.Text;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;

namespace Fjord.Gateway.Tests;

/// <summary>Leases jobs from the real store and completes them as told: the glue a worker would be.</summary>
internal static class FakeWorker
{
    public static async Task<LeasedJob> SucceedAsync(IJobQueue queue, string function, Func<LeasedJob, string> result, string contentType = "text/plain")
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await using var lease = await queue.FetchAsync(function, "test-node", cts.Token);
        var outcome = AttemptOutcome.Success(Encoding.UTF8.GetBytes(result(lease.Job)), contentType, "log of " + lease.Job.Id, DateTimeOffset.UtcNow);
        Assert.True(await lease.AckAsync(outcome, cts.Token));
        return lease.Job;
    }

    public static async Task<LeasedJob> DeadLetterAsync(IJobQueue queue, string function, JobError error)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await using var lease = await queue.FetchAsync(function, "test-node", cts.Token);
        Assert.True(await lease.DeadLetterAsync(AttemptOutcome.Failure(error, "it broke", DateTimeOffset.UtcNow), cts.Token));
        return lease.Job;
    }
}
