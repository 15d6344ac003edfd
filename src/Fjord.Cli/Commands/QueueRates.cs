using Fjord.Cli.Client;

namespace Fjord.Cli.Commands;

/// <summary>
/// done/s per function from successive polls of <c>/v1/queues</c>: the gateway reports running
/// totals (succeeded + failed since the store was created), so the rate is their growth over
/// the time between two polls. The first poll has no rate.
/// </summary>
internal sealed class QueueRates(TimeProvider time)
{
    private Dictionary<string, long> lastDone = [];
    private long lastTimestamp;

    public IReadOnlyDictionary<string, double> Update(IReadOnlyList<QueueRow> rows)
    {
        var now = time.GetTimestamp();
        var elapsed = lastTimestamp == 0 ? TimeSpan.Zero : time.GetElapsedTime(lastTimestamp, now);
        var rates = new Dictionary<string, double>();
        var done = new Dictionary<string, long>();
        foreach (var row in rows)
        {
            var total = row.Succeeded + row.Failed;
            done[row.Name] = total;
            // A total that shrank means the store was replaced: no rate rather than a negative one.
            if (elapsed > TimeSpan.Zero && lastDone.TryGetValue(row.Name, out var before) && total >= before)
                rates[row.Name] = (total - before) / elapsed.TotalSeconds;
        }
        lastDone = done;
        lastTimestamp = now;
        return rates;
    }
}
