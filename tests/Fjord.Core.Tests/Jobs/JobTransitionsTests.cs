using System.Reflection;
using Fjord.Core.Jobs;

namespace Fjord.Core.Tests.Jobs;

public sealed class JobTransitionsTests
{
    private static readonly JobStatus[] Statuses = Enum.GetValues<JobStatus>();

    [Fact]
    public void All_ListsEveryDeclaredTransition_OnceEach_WithDistinctNames()
    {
        var declared = typeof(JobTransitions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(JobTransition))
            .Select(f => (JobTransition)f.GetValue(null)!)
            .ToList();
        Assert.Equal(14, declared.Count);
        Assert.Equal(declared.OrderBy(t => t.Name), JobTransitions.All.OrderBy(t => t.Name));
        Assert.Equal(JobTransitions.All.Count, JobTransitions.All.Select(t => t.Name).Distinct().Count());
    }

    [Fact]
    public void EveryStatus_IsReachableFromANewJob()
    {
        var reached = JobTransitions.All.Where(t => t.From.Count == 0).Select(t => t.To!.Value).ToHashSet();
        Assert.Equal([JobStatus.Queued, JobStatus.Scheduled], reached.Order());
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var t in JobTransitions.All)
            {
                if (t.To is { } to && t.From.Any(reached.Contains))
                    grew |= reached.Add(to);
            }
        }
        Assert.Equal(Statuses, reached.Order());
    }

    [Fact]
    public void EveryStatusThatIsNotEnded_CanReachAnEnd()
    {
        foreach (var status in Statuses.Where(s => !s.IsTerminal()))
        {
            var seen = new HashSet<JobStatus> { status };
            var frontier = new Queue<JobStatus>([status]);
            while (frontier.TryDequeue(out var at))
            {
                foreach (var t in JobTransitions.All.Where(t => t.Allows(at) && t.To is not null))
                {
                    if (seen.Add(t.To!.Value))
                        frontier.Enqueue(t.To.Value);
                }
            }
            Assert.Contains(seen, s => s.IsTerminal());
        }
    }

    [Fact]
    public void EndedJobs_LeaveOnlyByPurge_OrAFailedOnesRetryByHand()
    {
        var leaving = JobTransitions.All.Where(t => t.From.Any(s => s.IsTerminal())).ToList();
        Assert.Equal([JobTransitions.RetryDeadLetter, JobTransitions.Purge], leaving.OrderBy(t => t.Name == "purge"));
        Assert.Equal([JobStatus.Failed], JobTransitions.RetryDeadLetter.From);
        Assert.Equal(Statuses.Where(s => s.IsTerminal()), JobTransitions.Purge.From.Order());
        Assert.Null(JobTransitions.Purge.To);
        Assert.Single(JobTransitions.All, t => t.To is null);
        Assert.False(JobTransitions.IsAllowed(JobStatus.Succeeded, JobStatus.Queued));
        Assert.False(JobTransitions.IsAllowed(JobStatus.Canceled, JobStatus.Queued));
        Assert.True(JobTransitions.IsAllowed(JobStatus.Failed, JobStatus.Queued));
    }

    [Fact]
    public void OnlyARunningJob_Ends_ByItsAttempt_AndOnlyAClaim_StartsOne()
    {
        Assert.Equal([JobTransitions.Claim], JobTransitions.All.Where(t => t.To == JobStatus.Running));
        Assert.False(JobTransitions.IsAllowed(JobStatus.Queued, JobStatus.Succeeded));
        Assert.False(JobTransitions.IsAllowed(JobStatus.Scheduled, JobStatus.Succeeded));
        Assert.All(JobTransitions.All.Where(t => t.To == JobStatus.Succeeded), t => Assert.Equal([JobStatus.Running], t.From));
        // Every way out of running is fenced on running alone (a lease token only means something there).
        Assert.All(JobTransitions.All.Where(t => t.Allows(JobStatus.Running)), t => Assert.Equal([JobStatus.Running], t.From));
        Assert.True(JobTransitions.Release.Allows(JobStatus.Running));
        Assert.False(JobTransitions.Release.Counted);
        Assert.True(JobTransitions.TakeBack.Counted);
        Assert.Equal(JobTransitions.TakeBack.To, JobTransitions.Release.To);
    }

    [Fact]
    public void NoTransition_LeavesAStatusUnchanged()
    {
        Assert.All(JobTransitions.All, t => Assert.DoesNotContain(t.To ?? (JobStatus)(-1), t.From));
        Assert.All(Statuses, s => Assert.False(JobTransitions.IsAllowed(s, s)));
    }
}
