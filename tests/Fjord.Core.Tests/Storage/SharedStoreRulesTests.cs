using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Core.Tests.Storage;

/// <summary>Rules both backends take from Core instead of keeping their own copies.</summary>
public sealed class SharedStoreRulesTests
{
    [Fact]
    public void IdempotencyKey_HoldsFor24Hours_ThenNot()
    {
        var day = (long)TimeSpan.FromHours(24).TotalMilliseconds;
        Assert.True(IdempotencyKeys.IsLive(1_000, 1_000 + day - 1));
        Assert.False(IdempotencyKeys.IsLive(1_000, 1_000 + day));
    }

    [Fact]
    public void QueueFull_AsksToComeBackWithinOneToFiveSeconds()
    {
        var waits = Enumerable.Range(0, 200).Select(_ => new QueueFullException("f").RetryAfter).ToList();
        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)));
        Assert.True(waits.Distinct().Count() > 1, "refused callers should not all come back at once");
    }

    [Fact]
    public void Payload_WholeArray_IsNotCopied_AndASlice_Is()
    {
        var whole = new byte[] { 1, 2, 3 };
        Assert.Same(whole, Payloads.AsArray(whole));
        Assert.Equal([2, 3], Payloads.AsArray(whole.AsMemory(1)));
    }
}
