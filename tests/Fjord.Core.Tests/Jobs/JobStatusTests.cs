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
    public void JobId_IsStrictlyIncreasing_EvenWithinOneMillisecond()
    {
        // 10,000 ids take far less than 10,000 ms: many share a millisecond.
        var ids = Enumerable.Range(0, 10_000).Select(_ => JobId.New()).ToList();

        for (var i = 1; i < ids.Count; i++)
            Assert.True(string.CompareOrdinal(ids[i - 1], ids[i]) < 0, $"{ids[i - 1]} !< {ids[i]}");
        Assert.All(ids, id => Assert.True(JobId.IsValid(id)));
        Assert.False(JobId.IsValid("../../etc/passwd"));
    }

    [Fact]
    public void JobId_IsAVersion7Uuid()
    {
        var guid = Guid.ParseExact(JobId.New(), "N");
        Assert.Equal(7, guid.Version);
        Assert.Equal(0b10, (guid.Variant >> 2) & 0b11);
        var ms = Convert.ToInt64(guid.ToString("N")[..12], 16);
        Assert.InRange(ms, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
    }
}
