using System.Diagnostics;

namespace Fjord.Storage.Redis;

/// <summary>
/// Why a worker's completions may wait a moment before they go (<see cref="RedisStoreOptions.CompletionHold"/>).
/// With <c>appendfsync always</c> every call costs Redis one fsync, about 0.1 ms of its CPU on the
/// reference machine: more than a job's own share of the scripts. Short jobs that were claimed
/// together end together, a few hundred microseconds apart; sent as they came, the completions and
/// next claims of a pool of 8 went as about two calls, so half the slots' worth per fsync. Held
/// until the short jobs this node claimed have ended (or the hold is up), they go as one: BullMQ's
/// moveToFinished-and-fetch-next for every slot at once, as a pool of one process per slot would
/// send them. Nothing is prefetched: each claim is still one free slot's.
///
/// Only short jobs are waited for: a job claimed longer ago than the hold, or every job on a node
/// whose jobs typically run longer than the hold (the batching would save little there), lets the
/// batch go at once; a long job's slot never waits for others.
/// </summary>
public sealed partial class RedisStore
{
    private readonly long _holdTicks;
    private int _claimedNotTracked;
    private long _typicalRunTicks;

    /// <summary>Jobs this node claimed in a call whose leases the fetching slots are yet to take.</summary>
    private void Claimed(int jobs) => Interlocked.Add(ref _claimedNotTracked, jobs);

    /// <summary>A claimed job's attempt ended after <paramref name="ticks"/>; the node's typical run time follows it.</summary>
    internal void Ran(long ticks)
    {
        // A moving average (1/8 per job); racing updates may lose one sample, which is harmless here.
        var typical = Volatile.Read(ref _typicalRunTicks);
        Volatile.Write(ref _typicalRunTicks, typical + (ticks - typical) / 8);
    }

    /// <summary>True while short jobs claimed here within the hold are still running: their completions are moments away.</summary>
    private bool ShortJobsRunning()
    {
        if (Volatile.Read(ref _typicalRunTicks) > _holdTicks)
            return false;
        if (Volatile.Read(ref _claimedNotTracked) > 0)
            return true;
        var now = Stopwatch.GetTimestamp();
        foreach (var (_, lease) in _leases)
        {
            if (lease.Running && now - lease.ClaimedAt < _holdTicks)
                return true;
        }
        return false;
    }
}
