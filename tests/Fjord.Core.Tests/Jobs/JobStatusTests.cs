using Fjord.Core.Jobs;

namespace Fjord.Core.Tests.Jobs;

public sealed class JobStatusTests
{
    [Theory]
    [InlineData(JobStatus.Queued, "queued", false)]
    [InlineData(JobStatus.Scheduled, "scheduled", false)]
    [InlineData(JobStatus.Running, "running", false)]
    [InlineData(JobStatus.Succeeded, "succeeded", true)]
    [InlineData(JobStatus.Failed, "failed", true)]
    [InlineData(JobStatus.Canceled, "canceled", true)]
    public void WireNames_AndTerminality(JobStatus status, string wire, bool terminal)
    {
        Assert.Equal(wire, status.ToWire());
        Assert.Equal(terminal, status.IsTerminal());
        Assert.True(JobStatusNames.TryParse(wire, out var parsed));
        Assert.Equal(status, parsed);
    }

    [Theory]
    [InlineData("done")]
    [InlineData("7")]
    [InlineData(null)]
    public void TryParse_RejectsUnknown(string? text) => Assert.False(JobStatusNames.TryParse(text, out _));

    [Fact]
    public void StoredValues_NeverChange()
    {
        // These numbers are on disk in every SQLite file: renumbering would corrupt old stores.
        Assert.Equal([0, 1, 2, 3, 4, 5], Enum.GetValues<JobStatus>().Select(s => (int)s));
    }

    [Fact]
    public void JobId_IsSortableByCreation()
    {
        var first = JobId.New();
        Thread.Sleep(2);
        var second = JobId.New();
        Assert.True(JobId.IsValid(first));
        Assert.True(string.CompareOrdinal(first, second) < 0);
        Assert.False(JobId.IsValid("../../etc/passwd"));
    }
}
