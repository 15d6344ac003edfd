namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// The leases this process holds, by job id, so a cancel committed by the writer can reach the
/// worker running the job at once (the store and the worker share the process in `fjord up`).
/// A lease is here from its hand-out until it completes or is given back.
/// </summary>
internal sealed class LiveLeases
{
    private readonly Dictionary<string, SqliteLease> _leases = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(SqliteLease lease)
    {
        lock (_lock)
            _leases[lease.Job.Id] = lease;
    }

    public void Remove(SqliteLease lease)
    {
        lock (_lock)
        {
            if (_leases.TryGetValue(lease.Job.Id, out var current) && ReferenceEquals(current, lease))
                _leases.Remove(lease.Job.Id);
        }
    }

    /// <summary>After the commit that canceled them: only the lease of that very attempt (same token) is told.</summary>
    public void Cancel(List<(string JobId, long Token)> canceled)
    {
        if (canceled.Count == 0)
            return;
        lock (_lock)
        {
            foreach (var (id, token) in canceled)
            {
                if (_leases.TryGetValue(id, out var lease) && lease.Job.LeaseToken == token)
                    lease.SignalCanceled();
            }
        }
    }
}
