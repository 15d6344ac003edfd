using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>The group commit's logic, with a fake statement: who goes alone, who goes together, who sees a failure.</summary>
public sealed class CoalescerTests
{
    private readonly List<int[]> _batches = [];
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _fail;

    private async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<int> items)
    {
        lock (_batches)
            _batches.Add([.. items]);
        await _release.Task;
        if (_fail)
            throw new InvalidOperationException("statement failed");
        return items.Select(i => $"answer {i}").ToList();
    }

    [Fact]
    public async Task AloneCaller_GoesAtOnce()
    {
        _release.SetResult();
        var coalescer = new Coalescer<int, string>(RunAsync, maxInFlight: 1, maxBatch: 100);

        Assert.Equal("answer 7", await coalescer.RunAsync(7));
        Assert.Equal([7], Assert.Single(_batches));
    }

    [Fact]
    public async Task CallersArrivingDuringABatch_GoTogetherInTheNext_EachWithItsOwnAnswer()
    {
        var coalescer = new Coalescer<int, string>(RunAsync, maxInFlight: 1, maxBatch: 100);
        var first = coalescer.RunAsync(0);
        var waiting = Enumerable.Range(1, 5).Select(coalescer.RunAsync).ToList();
        Assert.Equal([0], Assert.Single(_batches));

        _release.SetResult();

        Assert.Equal("answer 0", await first);
        for (var i = 0; i < waiting.Count; i++)
            Assert.Equal($"answer {i + 1}", await waiting[i]);
        Assert.Equal(2, _batches.Count);
        Assert.Equal([1, 2, 3, 4, 5], _batches[1]);
    }

    [Fact]
    public async Task Batches_AreCappedAtMaxBatch()
    {
        var coalescer = new Coalescer<int, string>(RunAsync, maxInFlight: 1, maxBatch: 2);
        var all = Enumerable.Range(0, 5).Select(coalescer.RunAsync).ToList();
        _release.SetResult();
        await Task.WhenAll(all);

        Assert.Equal([[0], [1, 2], [3, 4]], _batches);
    }

    [Fact]
    public async Task AFailedStatement_FailsEveryCallerInIt_AndTheNextBatchStillRuns()
    {
        var coalescer = new Coalescer<int, string>(RunAsync, maxInFlight: 1, maxBatch: 100);
        _fail = true;
        var first = coalescer.RunAsync(0);
        var second = coalescer.RunAsync(1);
        _release.SetResult();

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);

        _fail = false;
        Assert.Equal("answer 2", await coalescer.RunAsync(2));
    }

    [Fact]
    public async Task TwoInFlight_TheSecondCallerDoesNotWaitForTheFirst()
    {
        var coalescer = new Coalescer<int, string>(RunAsync, maxInFlight: 2, maxBatch: 100);
        var first = coalescer.RunAsync(0);
        var second = coalescer.RunAsync(1);

        Assert.Equal(2, _batches.Count);
        _release.SetResult();
        await Task.WhenAll(first, second);
    }

    [Fact]
    public async Task AHold_KeepsTheBatchBack_UntilTheItemsItWaitsForHaveArrived()
    {
        _release.SetResult();
        var expected = 2;
        var coalescer = new Coalescer<int, string>(RunAsync, maxInFlight: 1, maxBatch: 100,
            holdWhile: () => Volatile.Read(ref expected) > 0, maxHold: TimeSpan.FromMinutes(1));

        var first = coalescer.RunAsync(0);
        Assert.Empty(_batches);
        Interlocked.Decrement(ref expected);
        var second = coalescer.RunAsync(1);
        Assert.Empty(_batches);
        Interlocked.Decrement(ref expected);
        var third = coalescer.RunAsync(2);

        Assert.Equal(["answer 0", "answer 1", "answer 2"], await Task.WhenAll(first, second, third));
        Assert.Equal([0, 1, 2], Assert.Single(_batches));
    }

    [Fact]
    public async Task AHold_GivesUpAtItsLimit_WhenTheItemsItWaitsForNeverCome()
    {
        _release.SetResult();
        var coalescer = new Coalescer<int, string>(RunAsync, maxInFlight: 1, maxBatch: 100,
            holdWhile: () => true, maxHold: TimeSpan.FromMilliseconds(20));

        Assert.Equal("answer 0", await coalescer.RunAsync(0).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("answer 1", await coalescer.RunAsync(1).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([[0], [1]], _batches);
    }

    [Fact]
    public void AHold_NeedsOneBatchInFlight()
    {
        Assert.Throws<ArgumentException>(() => new Coalescer<int, string>(RunAsync, maxInFlight: 2, maxBatch: 100, holdWhile: () => true, maxHold: TimeSpan.FromMilliseconds(1)));
    }
}
