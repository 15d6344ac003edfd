using Fjord.Core.Jobs;

namespace Fjord.Core.Storage;

/// <summary>
/// A wait for one job's end, registered before the job is enqueued (<see cref="IJobStore.WatchEnd"/>).
/// Disposing it stops watching.
/// </summary>
public interface IJobEndWatch : IDisposable
{
    /// <summary>Completes when the job is terminal; null if the job is unknown.</summary>
    Task<JobEnd?> WaitAsync(CancellationToken cancellationToken);
}

/// <summary>The portable watch: waits for the record to end, then reads the result.</summary>
internal sealed class ReadingEndWatch(IJobStore store, string id) : IJobEndWatch
{
    public async Task<JobEnd?> WaitAsync(CancellationToken cancellationToken)
    {
        if (await store.WaitForEndAsync(id, cancellationToken) is not { } record)
            return null;
        var result = record.Status == JobStatus.Succeeded ? await store.GetResultAsync(id, cancellationToken) : null;
        return new JobEnd(record.Status, record.Error, result);
    }

    public void Dispose()
    {
    }
}
