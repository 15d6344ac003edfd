using Fjord.Core.Jobs;

namespace Fjord.Backends.Tests;

/// <summary>
/// Batches of claims and acks on PostgreSQL (the group commit) where one job is named twice: a
/// duplicate message beside the original, a stale owner acking beside the new one. Concurrent
/// callers cannot be made to land in one batch on purpose, so these call the batch itself.
/// </summary>
public sealed class PostgresBatchTests
{
    [Fact]
    public async Task ClaimBatch_OneJobNamedTwice_LeasesItOnce()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        var other = Jobs.New(fn);
        await Published(b, [job, other]);

        var leases = await b.Store.Ledger.ClaimBatchAsync([(job.Id, long.MinValue, "node-a"), (other.Id, long.MinValue, "node-a"), (job.Id, long.MinValue, "node-a")]);

        Assert.Equal(job.Id, leases[0]?.Id);
        Assert.Equal(other.Id, leases[1]?.Id);
        Assert.Null(leases[2]);
        Assert.Equal(1, (await b.Jobs.GetJobAsync(job.Id, default))!.Attempt);
    }

    [Fact]
    public async Task AckBatch_StaleOwnerBesideTheNewOne_OnlyTheCurrentTokenAcks()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await Published(b, [job]);
        var lease = (await b.Store.Ledger.ClaimBatchAsync([(job.Id, long.MinValue, "node-a")]))[0]!;

        var acked = await b.Store.Ledger.AckBatchAsync([
            (job.Id, lease.LeaseToken - 1, "stale"u8.ToArray(), "text/plain", ""),
            (job.Id, lease.LeaseToken, "current"u8.ToArray(), "text/plain", ""),
        ]);

        Assert.Equal([false, true], acked);
        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(JobStatus.Succeeded, record!.Status);
        Assert.Equal("current", System.Text.Encoding.UTF8.GetString((await b.Jobs.GetResultAsync(job.Id, default))!.Body));
        Assert.Single(record.Attempts);
    }

    /// <summary>Stores the jobs as intake does, then clears their outbox rows as intake does once the broker confirmed them (until then a claim holds off).</summary>
    private static async Task Published(RabbitPostgresBackend b, NewJob[] jobs)
    {
        var stored = await b.Store.Ledger.EnqueueAsync(jobs, default);
        await b.Store.Ledger.OutboxDoneAsync(stored.Claim, stored.PublishNow.Select(p => p.JobId).ToList(), default);
    }
}
