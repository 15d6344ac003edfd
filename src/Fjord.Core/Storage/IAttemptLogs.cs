namespace Fjord.Core.Storage;

/// <summary>Every attempt's log is kept (each within the per-attempt cap), not only the latest: <c>GET /v1/jobs/{id}/logs?attempt=N</c>.</summary>
public interface IAttemptLogs
{
    /// <summary>The log of attempt <paramref name="attempt"/> of the job; null when that attempt has not ended (or never ran).</summary>
    Task<string?> GetAttemptLogAsync(string id, int attempt, CancellationToken cancellationToken);
}
