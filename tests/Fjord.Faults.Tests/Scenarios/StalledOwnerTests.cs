using Fjord.Faults.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Faults.Tests.Scenarios;

/// <summary>
/// Scenario 3: the owner of running jobs is SIGSTOPped for longer than its lease (2 s), then
/// continued. Its function processes are not stopped (they run in their own sessions), so they
/// finish and report while the owner is frozen; when it wakes, its leases have run out. The reaper
/// takes the jobs back with a recorded <c>crash</c> "lease expired" attempt, they run again, and
/// the stale owner's late renewal or completion is refused: the record holds one success.
/// </summary>
[Collection("faults")]
public sealed class StalledOwnerTests(ITestOutputHelper output)
{
    private const int SlowJobs = 8;
    private const int Stalls = 3;

    // Each stall's outcome is a race (below); when none of the first three stalls lost it, a few
    // more are run, so that a loaded machine cannot leave the refused-stale-completion path unexercised.
    private const int MaxStalls = 6;

    [Fact]
    public async Task Owner_StoppedPastItsLease_JobRunsAgainAndTheStaleCompletionIsRefused()
    {
        await using var s = await FaultScenario.StartAsync(
            [new RecorderFunction("rec") { Concurrency = 4 }, new RecorderFunction("slow") { Concurrency = SlowJobs }],
            new Dictionary<string, string> { ["FJORD_LEASE"] = "2s" });

        var load = s.Load.RunAsync("rec", count: 2000, perSecond: 200, inFlight: 32, sleepMs: 2);
        var stalls = 0;
        for (var stall = 0; stall < MaxStalls; stall++)
        {
            if (stall >= Stalls && await AnyLeaseExpiredAsync(s, stall * SlowJobs))
                break;
            stalls++;
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await s.Load.RunAsync("slow", count: SlowJobs, perSecond: 1000, inFlight: SlowJobs, sleepMs: 1500, firstIndex: stall * SlowJobs);
            // Every slow job holds a slot and a lease; each sleeps 1.5 s, well inside the stall.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((await JobsApi.QueueAsync(s.Node.Http, "slow")).Running < SlowJobs && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            await Task.Delay(600);

            s.Node.Signal(Posix.SigStop);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
            finally
            {
                s.Node.Signal(Posix.SigCont);
            }
        }
        await load;

        var slowIds = s.Load.Sent.Where(x => x.Token.StartsWith("slow-", StringComparison.Ordinal)).Select(x => x.Id!).ToList();
        Assert.Equal(stalls * SlowJobs, slowIds.Count);
        var report = await s.SettleAndCheckAsync("3. owner SIGSTOPped past its lease, then continued", TimeSpan.FromSeconds(90), null, "rec", "slow");
        var expired = new List<JobDto>();
        foreach (var id in slowIds)
        {
            var job = await JobsApi.GetAsync(s.Node.Http, id);
            if (job.Attempts.Any(a => a.Error?.Message == "lease expired"))
                expired.Add(job);
        }
        output.WriteLine(report.ToString());
        var staleRuns = expired.Count(j => s.Recorder.Marks.Count(m => m.JobId == j.Id) >= 2);
        output.WriteLine($"slow jobs: {slowIds.Count}, taken back after their lease expired: {expired.Count}, of which the stale run had reported before its owner woke: {staleRuns}");
        foreach (var job in expired.Take(3))
            output.WriteLine($"  {job.Id}: {string.Join("; ", job.Attempts.Select(a => $"#{a.Number} {a.Outcome} {a.Error?.Kind} {a.Error?.Message}"))}");

        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Stuck);
        Assert.Equal(0, report.Phantom);
        Assert.Equal(0, report.Crossed);
        Assert.Equal(0, report.DuplicatesWithoutFailure);
        // After SIGCONT the owner's renewal races the reaper for each job: a renewal that gets in
        // first keeps a lease that was never taken, which is correct. Over three stalls of eight
        // jobs the reaper wins at least once (in practice for most of them).
        Assert.True(expired.Count >= 1, $"the stalls must have expired leases of running jobs ({expired.Count} of {slowIds.Count})");
        var nodeLog = s.Node.Output;
        foreach (var job in expired)
        {
            // The record is consistent: one success, last; the expired attempt is a crash before it.
            Assert.Equal("succeeded", job.Status);
            var succeeded = Assert.Single(job.Attempts, a => a.Outcome == "succeeded");
            Assert.Equal(job.Attempt, succeeded.Number);
            Assert.Equal(job.Attempts.Max(a => a.Number), succeeded.Number);
            var lost = job.Attempts.First(a => a.Error?.Message == "lease expired");
            Assert.Equal("crash", lost.Error!.Kind);
            Assert.True(lost.Number < succeeded.Number);
            // The stale owner tried to renew or complete the expired attempt and was fenced out.
            Assert.Contains($"Job {job.Id} attempt {lost.Number} lost its lease", nodeLog, StringComparison.Ordinal);
            // The recorder saw the re-run; the stale run too if its process got to report before
            // the owner woke (one that had not even started is stopped by the refused renewal).
            Assert.Contains(s.Recorder.Marks, m => m.JobId == job.Id && m.Attempt == succeeded.Number && m.Ok);
        }
    }

    /// <summary>Whether one of the first <paramref name="count"/> slow jobs sent has an attempt taken back as "lease expired".</summary>
    private static async Task<bool> AnyLeaseExpiredAsync(FaultScenario s, int count)
    {
        foreach (var sent in s.Load.Sent.Where(x => x.Token.StartsWith("slow-", StringComparison.Ordinal) && x.Id is not null).Take(count))
        {
            var job = await JobsApi.GetAsync(s.Node.Http, sent.Id!);
            if (job.Attempts.Any(a => a.Error?.Message == "lease expired"))
                return true;
        }
        return false;
    }
}
