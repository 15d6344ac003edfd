using Fjord.Worker.Scaling;

namespace Fjord.Worker.Tests.Scaling;

/// <summary>The node's limits shared among pools: mins first, the rest by queue age, never past a limit.</summary>
public sealed class AllocationTests
{
    private const long Mi = 1024 * 1024;

    [Fact]
    public void WithoutCompetition_EveryPoolGetsWhatItWants()
    {
        var grants = Allocation.Share([new("a", 0, 5, 256 * Mi, TimeSpan.FromSeconds(3)), new("b", 1, 2, 256 * Mi, TimeSpan.Zero)], 16, null);
        Assert.Equal(5, grants["a"]);
        Assert.Equal(2, grants["b"]);
    }

    [Fact]
    public void UnderMaxProcesses_EachKeepsItsMin_AndTheRestGoesByQueueAge()
    {
        var grants = Allocation.Share(
        [
            new("old", 1, 16, 64 * Mi, TimeSpan.FromSeconds(9)),
            new("young", 2, 16, 64 * Mi, TimeSpan.FromSeconds(1)),
            new("idle", 1, 1, 64 * Mi, TimeSpan.Zero),
        ], 14, null);
        Assert.Equal(14, grants.Values.Sum());
        Assert.True(grants["young"] >= 2);
        Assert.Equal(1, grants["idle"]);
        // 10 left above the mins, shared 9:1 by age.
        Assert.Equal(1 + 9, grants["old"]);
        Assert.Equal(2 + 1, grants["young"]);
    }

    [Fact]
    public void APoolKeepsWhatItHasAndWants_TheFreeRestGoesByAge()
    {
        var grants = Allocation.Share(
        [
            new("holder", 1, 3, 64 * Mi, TimeSpan.FromMilliseconds(100)) { Current = 3 },
            new("newcomer", 1, 3, 64 * Mi, TimeSpan.FromSeconds(5)) { Current = 1 },
        ], 5, null);
        Assert.Equal(3, grants["holder"]);
        Assert.Equal(2, grants["newcomer"]);
    }

    [Fact]
    public void TheMemoryBudgetCountsEachFunctionsMemory()
    {
        var grants = Allocation.Share([new("big", 0, 8, 512 * Mi, TimeSpan.FromSeconds(5)), new("small", 0, 8, 64 * Mi, TimeSpan.FromSeconds(5))], null, 1024 * Mi);
        Assert.True(grants["big"] * 512 * Mi + grants["small"] * 64 * Mi <= 1024 * Mi);
        Assert.True(grants["big"] >= 1);
        Assert.True(grants["small"] >= 1);
    }
}
