using System.Globalization;
using System.Text;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Npgsql;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore
{
    public const int MaxListLimit = 1000;

    public async Task<JobRecord?> GetJobAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        JobRecord job;
        await using (var command = new NpgsqlCommand($"SELECT {JobRows.Columns} FROM jobs WHERE id = $1", connection).Arg(id))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return null;
            job = JobRows.Read(reader);
        }
        var attempts = await ReadAttemptsAsync(connection, [id], cancellationToken);
        return JobRows.WithAttempts(job, attempts.TryGetValue(id, out var list) ? list : []);
    }

    /// <summary>Newest first; UUIDv7 ids sort by creation, so the cursor is the last id of the page.</summary>
    public async Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Cursor is { } cursor && !JobId.IsValid(cursor))
            throw new ArgumentException("the cursor is not one this store handed out", nameof(query));
        var limit = Math.Clamp(query.Limit, 1, MaxListLimit);

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder($"SELECT {JobRows.Columns} FROM jobs WHERE true");
        var n = 0;
        if (query.Function is { } function)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND function = ${++n}");
            command.Arg(function);
        }
        if (query.Status is { } status)
            sql.Append(CultureInfo.InvariantCulture, $" AND status = {(int)status}");
        if (query.Cursor is { } after)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND id < ${++n}");
            command.Arg(after);
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id DESC LIMIT {limit + 1}");
        command.CommandText = sql.ToString();

        var jobs = new List<JobRecord>(Math.Min(limit + 1, 64));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                jobs.Add(JobRows.Read(reader));
        }
        string? next = null;
        if (jobs.Count > limit)
        {
            jobs.RemoveAt(limit);
            next = jobs[^1].Id;
        }
        var attempts = await ReadAttemptsAsync(connection, [.. jobs.Select(j => j.Id)], cancellationToken);
        for (var i = 0; i < jobs.Count; i++)
            jobs[i] = JobRows.WithAttempts(jobs[i], attempts.TryGetValue(jobs[i].Id, out var list) ? list : []);
        return new JobPage(jobs, next);
    }

    public async Task<JobResult?> GetResultAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT result, result_content_type FROM jobs WHERE id = $1 AND status = 3").Arg(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(0))
            return null;
        return new JobResult(reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? "application/octet-stream" : reader.GetString(1));
    }

    /// <summary>The latest finished attempt's log; "" for a job that has none yet; null for an unknown job.</summary>
    public async Task<string?> GetLogAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT (SELECT log FROM attempts WHERE job_id = $1 ORDER BY seq DESC LIMIT 1),
                   EXISTS (SELECT 1 FROM jobs WHERE id = $1)
            """).Arg(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (!reader.GetBoolean(1))
            return null;
        return reader.IsDBNull(0) ? "" : reader.GetString(0);
    }

    /// <summary>
    /// Brings a dead letter back with a fresh attempt budget. The outbox row is written in the
    /// same statement: a queued job always has a broker message coming.
    /// </summary>
    public Task<JobCommandResult> RetryAsync(string id, CancellationToken cancellationToken) => Command(id, """
        WITH j AS (
            UPDATE jobs SET status = 0, attempt = 0, run_at = fjord_now_ms(), finished_at = NULL, lease_expires = NULL,
                error_kind = NULL, error_message = NULL, error_exit_code = NULL
            WHERE id = $1 AND status = 4 RETURNING id, function, run_at),
        o AS (INSERT INTO outbox (job_id, function, due_at) SELECT id, function, run_at FROM j
              ON CONFLICT (job_id) DO UPDATE SET due_at = excluded.due_at, claim = NULL, claimed_until = 0)
        SELECT count(*) FROM j
        """, cancellationToken);

    /// <summary>Cancels a waiting job; its outbox row goes with it, and a message already published finds it canceled and is dropped.</summary>
    public Task<JobCommandResult> CancelAsync(string id, CancellationToken cancellationToken) => Command(id, """
        WITH j AS (UPDATE jobs SET status = 5, finished_at = fjord_now_ms() WHERE id = $1 AND status IN (0, 1) RETURNING id),
        o AS (DELETE FROM outbox WHERE job_id IN (SELECT id FROM j)),
        n AS (SELECT pg_notify('fjord_job_end', id) FROM j)
        SELECT (SELECT count(*) FROM j) + 0 * (SELECT count(*) FROM n)
        """, cancellationToken);

    /// <summary>
    /// Registers first, then reads: a job that ends between the two is seen by the read, one that
    /// ends after it is announced by NOTIFY (any node's completion). Polls as well, slowly, in
    /// case the listening connection is down.
    /// </summary>
    public async Task<JobRecord?> WaitForEndAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var waiter = _listener.Add(id);
            try
            {
                var job = await GetJobAsync(id, cancellationToken);
                if (job is null || job.Status.IsTerminal())
                    return job;
                try
                {
                    await waiter.Task.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
                }
                catch (TimeoutException)
                {
                }
            }
            finally
            {
                _listener.Remove(id, waiter);
            }
        }
    }

    private Task<JobCommandResult> Command(string id, string sql, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(sql, connection).Arg(id))
        {
            if (await command.ExecuteScalarAsync(cancellationToken) is long changed && changed > 0)
                return JobCommandResult.Done;
        }
        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1)", connection).Arg(id);
        return await exists.ExecuteScalarAsync(cancellationToken) is true ? JobCommandResult.WrongState : JobCommandResult.NotFound;
    });

    private static async Task<Dictionary<string, List<AttemptRecord>>> ReadAttemptsAsync(NpgsqlConnection connection, string[] ids, CancellationToken cancellationToken)
    {
        var byJob = new Dictionary<string, List<AttemptRecord>>(StringComparer.Ordinal);
        if (ids.Length == 0)
            return byJob;
        await using var command = new NpgsqlCommand($"SELECT {JobRows.AttemptColumns} FROM attempts WHERE job_id = ANY($1) ORDER BY seq", connection).Arg(ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var jobId = reader.GetString(0);
            if (!byJob.TryGetValue(jobId, out var list))
                byJob[jobId] = list = [];
            list.Add(JobRows.ReadAttempt(reader));
        }
        return byJob;
    }
}
