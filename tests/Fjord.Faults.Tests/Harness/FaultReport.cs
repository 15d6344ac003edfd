using System.Globalization;
using System.Text;

namespace Fjord.Faults.Tests.Harness;

/// <summary>
/// What one scenario did to Fjord and what Fjord did with the work. Definitions:
/// <list type="bullet">
/// <item><b>lost</b>: a 202 whose id is not in the store, or did not end <c>succeeded</c> (or
///   <c>failed</c>, for a function meant to fail);</item>
/// <item><b>stuck</b>: a stored job not terminal when the scenario ended;</item>
/// <item><b>runs</b>: recorder marks, one per attempt that reached its report;</item>
/// <item><b>duplicates</b>: per job, runs beyond the first. Each is <i>after a recorded failure</i>
///   while the job's attempt history holds a non-succeeded attempt to explain it (a crash, an
///   expired lease, a node that stopped), else <i>without one</i>: a re-run Fjord never owned up to;</item>
/// <item><b>phantom</b>: a job recorded succeeded whose function never reported a successful run;</item>
/// <item><b>crossed</b>: a run that reported the payload of another job id.</item>
/// </list>
/// </summary>
internal sealed record FaultReport
{
    public required string Scenario { get; init; }
    public int Attempted { get; init; }
    public int Accepted { get; init; }
    public IReadOnlyDictionary<int, int> RejectedByStatus { get; init; } = new Dictionary<int, int>();
    public int Refused { get; init; }
    public int Indeterminate { get; init; }
    public int IndeterminateAppeared { get; init; }
    public int StoredWithout202 { get; init; }
    public int Lost { get; init; }
    public int Stuck { get; init; }
    public int DeadLetters { get; init; }
    public int Runs { get; init; }
    public int DuplicatesAfterFailure { get; init; }
    public int DuplicatesWithoutFailure { get; init; }
    public int Phantom { get; init; }
    public int Crossed { get; init; }
    public IReadOnlyList<string> Examples { get; init; } = [];

    public int Duplicates => DuplicatesAfterFailure + DuplicatesWithoutFailure;

    public int Rejected => RejectedByStatus.Values.Sum();

    public override string ToString()
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var rejected = string.Join(", ", RejectedByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"));
        s.AppendLine(c, $"== fault report: {Scenario}");
        s.AppendLine(c, $"attempted {Attempted}: accepted {Accepted}, rejected {Rejected} ({rejected}), refused {Refused}, indeterminate {Indeterminate} (a job appeared for {IndeterminateAppeared})");
        s.AppendLine(c, $"stored without a 202: {StoredWithout202}");
        s.AppendLine(c, $"lost {Lost}, stuck {Stuck}, dead letters {DeadLetters}, phantom {Phantom}, crossed {Crossed}");
        s.AppendLine(c, $"runs {Runs}; duplicates {Duplicates} = {DuplicatesAfterFailure} after a recorded failure + {DuplicatesWithoutFailure} without one");
        foreach (var e in Examples)
            s.AppendLine(c, $"  e.g. {e}");
        return s.ToString();
    }
}
