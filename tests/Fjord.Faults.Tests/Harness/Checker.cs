namespace Fjord.Faults.Tests.Harness;

/// <summary>
/// Joins three views of one scenario: what the client was told (<see cref="Sent"/>), what the
/// functions reported (<see cref="Mark"/>), and what Fjord's public API says now (<see cref="JobDto"/>).
/// </summary>
internal static class Checker
{
    public static FaultReport Check(
        string scenario,
        IReadOnlyList<Sent> sent,
        IReadOnlyList<Mark> marks,
        IReadOnlyList<JobDto> stored,
        Func<string, bool>? meantToFail = null)
    {
        meantToFail ??= _ => false;
        var examples = new List<string>();
        var jobs = stored.ToDictionary(j => j.Id);
        var marksByJob = marks.GroupBy(m => m.JobId).ToDictionary(g => g.Key, g => g.ToList());
        var tokensSeen = marks.Select(m => m.Token).ToHashSet();
        var accepted = sent.Where(s => s.Answer == Answer.Accepted).ToList();
        var acceptedIds = accepted.Select(s => s.Id!).ToHashSet();

        int lost = 0, crossed = 0;
        foreach (var s in accepted)
        {
            var failIntended = meantToFail(s.Token[..s.Token.LastIndexOf('-')]);
            var expected = failIntended ? "failed" : "succeeded";
            if (!jobs.TryGetValue(s.Id!, out var job) || job.Status != expected)
            {
                lost++;
                if (examples.Count < 8)
                    examples.Add($"lost {s.Token} id {s.Id}: {(job is null ? "not in the store" : $"{job.Status}, attempt {job.Attempt}, {job.Error?.Kind} {job.Error?.Message}")}");
            }
            if (marksByJob.TryGetValue(s.Id!, out var own) && own.Any(m => m.Token != s.Token))
            {
                crossed++;
                examples.Add($"crossed: job {s.Id} sent {s.Token}, ran {own.First(m => m.Token != s.Token).Token}");
            }
        }

        int stuck = 0, dead = 0, afterFailure = 0, withoutFailure = 0, phantom = 0;
        foreach (var job in stored)
        {
            if (!job.Terminal)
            {
                stuck++;
                if (examples.Count < 12)
                    examples.Add($"stuck {job.Id}: {job.Status}, attempt {job.Attempt}");
            }
            if (job.Status == "failed")
                dead++;
            var runs = marksByJob.TryGetValue(job.Id, out var own) ? own : [];
            if (job.Status == "succeeded" && !runs.Any(m => m.Ok))
            {
                phantom++;
                examples.Add($"phantom {job.Id}: succeeded, no successful run reported");
            }
            var extra = Math.Max(0, runs.Count - 1);
            var failures = job.Attempts.Count(a => a.Outcome != "succeeded");
            var explained = Math.Min(extra, failures);
            afterFailure += explained;
            withoutFailure += extra - explained;
            if (extra > explained && examples.Count < 16)
            {
                var history = string.Join(", ", job.Attempts.Select(a => $"#{a.Number} {a.Outcome} {a.Error?.Message}"));
                examples.Add($"unexplained re-run {job.Id}: runs {string.Join(",", runs.Select(m => m.Attempt))}; history [{history}]");
            }
        }

        var rejected = sent.Where(s => s.Answer == Answer.Rejected).GroupBy(s => s.Status).ToDictionary(g => g.Key, g => g.Count());
        var indeterminate = sent.Where(s => s.Answer == Answer.Indeterminate).ToList();
        return new FaultReport
        {
            Scenario = scenario,
            Attempted = sent.Count,
            Accepted = accepted.Count,
            RejectedByStatus = rejected,
            Refused = sent.Count(s => s.Answer == Answer.Refused),
            Indeterminate = indeterminate.Count,
            IndeterminateAppeared = indeterminate.Count(s => tokensSeen.Contains(s.Token)),
            StoredWithout202 = stored.Count(j => !acceptedIds.Contains(j.Id)),
            Lost = lost,
            Stuck = stuck,
            DeadLetters = dead,
            Runs = marks.Count(m => jobs.ContainsKey(m.JobId)),
            DuplicatesAfterFailure = afterFailure,
            DuplicatesWithoutFailure = withoutFailure,
            Phantom = phantom,
            Crossed = crossed,
            Examples = examples,
        };
    }
}
