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
            job = JobRowReader.Read(reader);
        }
        var attempts = await ReadAttemptsAsync(connection, [id], cancellationToken);
        var callbacks = await ReadCallbacksAsync(connection, id, cancellationToken);
        return JobRowReader.WithAttempts(job, attempts.TryGetValue(id, out var list) ? list : []) with { Callbacks = callbacks };
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
        if (query.ErrorKind is { } kind)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND error_kind = ${++n}");
            command.Arg(kind.ToString().ToLowerInvariant());
        }
        if (query.Cursor is { } after)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND id < ${++n}");
            command.Arg(after);
        }
        if (query.Since is { } since)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND id >= ${++n}");
            command.Arg(JobId.Floor(since));
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id DESC LIMIT {limit + 1}");
        command.CommandText = sql.ToString();

        var jobs = new List<JobRecord>(Math.Min(limit + 1, 64));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                jobs.Add(JobRowReader.Read(reader));
        }
        string? next = null;
        if (jobs.Count > limit)
        {
            jobs.RemoveAt(limit);
            next = jobs[^1].Id;
        }
        var attempts = await ReadAttemptsAsync(connection, [.. jobs.Select(j => j.Id)], cancellationToken);
        for (var i = 0; i < jobs.Count; i++)
            jobs[i] = JobRowReader.WithAttempts(jobs[i], attempts.TryGetValue(jobs[i].Id, out var list) ? list : []);
        return new JobPage(jobs, next);
    }

    public async Task<JobResult?> GetResultAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"SELECT result, result_content_type FROM jobs WHERE id = $1 AND status = {JobSql.Succeeded}").Arg(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? JobRowReader.ReadResult(reader) : null;
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
    public Task<JobCommandResult> RetryAsync(string id, CancellationToken cancellationToken) => Command(id, $"""
        WITH j AS (UPDATE jobs SET {RequeueSet} WHERE id = $1 AND status = {JobSql.RetryDeadLetter.From} RETURNING id, function, run_at),
        o AS ({RequeueOutbox})
        SELECT count(*) FROM j
        """, cancellationToken);

    /// <summary>
    /// Cancels a job. Waiting: its outbox row goes with it, and a message already published finds
    /// it canceled and is dropped. Running: see <see cref="CancelRunningSql"/>. Two statements,
    /// each checking the status it changes, so a job claimed or finished between them is judged
    /// by the second (a finished job is left alone: wrong state).
    /// </summary>
    public Task<JobCommandResult> CancelAsync(string id, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var sql in (string[])[CancelWaitingSql, CancelRunningSql])
        {
            await using var command = new NpgsqlCommand(sql, connection).Arg(id);
            if (await command.ExecuteScalarAsync(cancellationToken) is long changed && changed > 0)
                return JobCommandResult.Done;
        }
        return await ExistsAsync(connection, id, cancellationToken) ? JobCommandResult.WrongState : JobCommandResult.NotFound;
    });

    private static readonly string CancelWaitingSql = $"""
        WITH j AS (
            UPDATE jobs SET status = {JobSql.Cancel.To}, finished_at = fjord_now_ms() WHERE id = $1 AND status IN ({JobSql.Cancel.From})
            RETURNING id, callback_url, status, attempt, NULL::text AS error_kind, NULL::text AS error_message, NULL::integer AS error_exit_code),
        o AS (DELETE FROM outbox WHERE job_id IN (SELECT id FROM j)),
        cb AS ({CallbackSql.Queue("j")}),
        n AS (SELECT pg_notify('fjord_job_end', id) FROM j)
        SELECT (SELECT count(*) FROM j) + 0 * (SELECT count(*) FROM n)
        """;

    /// <summary>
    /// A running job is canceled and its attempt recorded (kind canceled) in one statement, which
    /// also fences the lease: the job is no longer running, so the owner's renewal and completion
    /// change nothing. The notice on fjord_job_cancel reaches the owner's node after the commit
    /// (<see cref="PostgresJobLedger.WatchCancel"/>), and it kills the process at once; if the
    /// notice is lost, its next renewal is refused and it stops then.
    /// </summary>
    private static readonly string CancelRunningSql = $"""
        WITH j AS (
            UPDATE jobs SET status = {JobSql.CancelRunning.To}, finished_at = fjord_now_ms(), lease_expires = NULL,
                error_kind = 'canceled', error_message = '{AttemptOutcomes.CanceledWhileRunning}', error_exit_code = NULL
            WHERE id = $1 AND status = {JobSql.CancelRunning.From}
            RETURNING id, started_at, node, {CallbackSql.Returning}),
        a AS (INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message)
              SELECT id, attempt, coalesce(started_at, fjord_now_ms()), fjord_now_ms(), node, 'canceled', error_kind, error_message FROM j),
        cb AS ({CallbackSql.Queue("j")}),
        n AS (SELECT pg_notify('fjord_job_end', id), pg_notify('{JobEndListener.CancelChannel}', id) FROM j)
        SELECT (SELECT count(*) FROM j) + 0 * (SELECT count(*) FROM n)
        """;

    /// <summary>
    /// Registers first, then reads: a job that ends between the two is seen by the read, one that
    /// ends after it is announced by NOTIFY (any node's completion). Polls as well, slowly, in
    /// case the listening connection is down.
    /// </summary>
    public async Task<JobRecord?> WaitForEndAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var waiter = _listener.Ends.Add(id);
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
                _listener.Ends.Remove(id, waiter);
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
        return await ExistsAsync(connection, id, cancellationToken) ? JobCommandResult.WrongState : JobCommandResult.NotFound;
    });

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1)", connection).Arg(id);
        return await exists.ExecuteScalarAsync(cancellationToken) is true;
    }

    private static async Task<Dictionary<string, List<AttemptRecord>>> ReadAttemptsAsync(NpgsqlConnection connection, string[] ids, CancellationToken cancellationToken)
    {
        var byJob = new Dictionary<string, List<AttemptRecord>>(StringComparer.Ordinal);
        if (ids.Length == 0)
            return byJob;
        await using var command = new NpgsqlCommand($"SELECT {JobRowReader.AttemptColumns} FROM attempts WHERE job_id = ANY($1) ORDER BY seq", connection).Arg(ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var jobId = reader.GetString(0);
            if (!byJob.TryGetValue(jobId, out var list))
                byJob[jobId] = list = [];
            list.Add(JobRowReader.ReadAttempt(reader));
        }
        return byJob;
    }
}
