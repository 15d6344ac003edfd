using Fjord.Core.Jobs;

namespace Fjord.Storage.Postgres;

/// <summary>The statement fragment every write that ends a job shares: queueing its callback.</summary>
internal static class CallbackSql
{
    /// <summary>
    /// The body of a CTE that inserts the callback of every job in <paramref name="source"/> that
    /// ended (succeeded, failed, canceled) and has a callback URL. <paramref name="source"/> is a
    /// CTE returning the job's new <c>id, callback_url, status, attempt, error_kind,
    /// error_message, error_exit_code</c>, so the end and its callback commit in one statement.
    /// </summary>
    public static string Queue(string source) => $"""
        INSERT INTO callbacks (job_id, url, status, attempt, error_kind, error_message, error_exit_code, created_at, next_at)
        SELECT id, callback_url, status, attempt, error_kind, error_message, error_exit_code, fjord_now_ms(), fjord_now_ms()
        FROM {source} WHERE callback_url IS NOT NULL AND status IN ({JobSql.Ended})
        """;

    /// <summary>The columns a source CTE returns for <see cref="Queue"/>.</summary>
    public const string Returning = "callback_url, status, attempt, error_kind, error_message, error_exit_code";
}
