using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// Dead letters from their own index: d:FN:KIND sorted sets scored by failure time, so counts,
/// groups and the jobs a filter names are read without touching any other job. Each job moves in
/// its own script (as a single retry or delete), so a crash midway leaves whole jobs only.
/// </summary>
public sealed partial class RedisStore : IDeadLetters, IJobRetention
{
    private const int DeadLetterChunk = 500;

    private static readonly string[] Kinds = [.. Enum.GetValues<ErrorKind>().Select(k => k.ToString().ToLowerInvariant()), "none"];

    private async Task<IReadOnlyList<string>> FunctionsWithJobsAsync() =>
        [.. (await Db.SetMembersAsync(P + "fns")).Select(f => (string)f!).Order(StringComparer.Ordinal)];

    private async Task<List<string>> DeadKeysAsync(DeadLetterFilter filter)
    {
        var functions = filter.Function is { } fn ? [fn] : await FunctionsWithJobsAsync();
        var kinds = filter.ErrorKind is { } kind ? [kind.ToString().ToLowerInvariant()] : Kinds;
        return [.. functions.SelectMany(f => kinds.Select(k => $"{P}d:{f}:{k}"))];
    }

    private static double From(DeadLetterFilter filter) => filter.Since is { } since ? UnixMs.From(since) : double.NegativeInfinity;

    public Task<long> CountDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken) => Guard<long>(async () =>
    {
        ArgumentNullException.ThrowIfNull(filter);
        long total = 0;
        foreach (var key in await DeadKeysAsync(filter))
            total += await Db.SortedSetLengthAsync(key, From(filter), double.PositiveInfinity);
        return total;
    });

    public Task<IReadOnlyList<DeadLetterGroup>> GroupDeadLettersAsync(CancellationToken cancellationToken) => Guard<IReadOnlyList<DeadLetterGroup>>(async () =>
    {
        var groups = new List<DeadLetterGroup>();
        foreach (var fn in await FunctionsWithJobsAsync())
        {
            foreach (var kind in Kinds)
            {
                var key = $"{P}d:{fn}:{kind}";
                var count = await Db.SortedSetLengthAsync(key);
                if (count == 0)
                    continue;
                var last = await Db.SortedSetRangeByRankWithScoresAsync(key, -1, -1);
                groups.Add(new DeadLetterGroup(fn, DeadLetterGroup.ParseKind(kind), count, last.Length == 1 ? UnixMs.To((long)last[0].Score) : null));
            }
        }
        return groups;
    });

    public Task<long> RetryDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken) =>
        MoveDeadLettersAsync(filter, async ids =>
        {
            long moved = 0;
            foreach (var id in ids)
                moved += (long)await RunAsync(JobScripts.Requeue, id) == 1 ? 1 : 0;
            return moved;
        });

    public Task<long> PurgeDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken) =>
        MoveDeadLettersAsync(filter, async ids => (long)await RunAsync(JobScripts.Delete, ["failed", .. ids.Select(i => (RedisValue)i)]));

    private async Task<long> MoveDeadLettersAsync(DeadLetterFilter filter, Func<string[], Task<long>> move)
    {
        ArgumentNullException.ThrowIfNull(filter);
        long total = 0;
        foreach (var key in await DeadKeysAsync(filter))
        {
            while (true)
            {
                var ids = (await Db.SortedSetRangeByScoreAsync(key, From(filter), double.PositiveInfinity, take: DeadLetterChunk)).Select(v => (string)v!).ToArray();
                if (ids.Length == 0)
                    break;
                var moved = await move(ids);
                total += moved;
                if (moved == 0)
                    break;
            }
        }
        return total;
    }

    public async Task<int> DeleteEndedAsync(EndedJobFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!EndedJobFilter.Allows(filter.Status))
            throw new ArgumentException($"only ended jobs are deleted, not {filter.Status.ToWire()} ones", nameof(filter));
        return (int)(long)await RunAsync(JobScripts.Delete, "ended", filter.Function, (int)filter.Status, UnixMs.From(filter.FinishedBefore), limit);
    }

    public Task<IReadOnlyList<string>> ListJobFunctionsAsync(CancellationToken cancellationToken) => FunctionsWithJobsAsync();

    public Task<bool> WasDeletedAsync(string id, CancellationToken cancellationToken) => Guard<bool>(async () =>
    {
        if (!JobId.IsValid(id))
            return false;
        var tomb = await Db.StringGetAsync(P + "tomb");
        return !tomb.IsNull && string.CompareOrdinal(id, (string)tomb!) <= 0;
    });
}
