using System.Globalization;
using System.Text;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Reads;
using Fjord.Storage.Sqlite.Writer;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public const int MaxListLimit = 1000;

    /// <summary>How many jobs a bounded listing page examines before it widens to <see cref="SqliteStoreOptions.ListScanBound"/>.</summary>
    private const int FirstScan = 1000;

    public async Task<JobRecord?> GetJobAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return ReadJob(connection, id);
    }

    /// <summary>
    /// Newest first. Ids are UUIDv7 hex, ordered by creation, so the cursor is simply the last id
    /// of the page: <c>id &lt; cursor ORDER BY id DESC</c> is stable while new jobs arrive.
    /// Function, cursor and since narrow an index range (jobs_function or the id index); failed
    /// uses the dead-letter index and running the lease index (both partial, so small). Any other
    /// status or an error kind is checked on at most <see cref="SqliteStoreOptions.ListScanBound"/> jobs of that range per
    /// page: a page may then hold fewer matches than asked and still have a next cursor (the last
    /// job examined), so the answer time stays bounded on a store of millions.
    /// </summary>
    public async Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Cursor is { } cursor && !JobId.IsValid(cursor))
            throw new ArgumentException("the cursor is not one this store handed out", nameof(query));
        var limit = Math.Clamp(query.Limit, 1, MaxListLimit);

        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Status values are literals, not parameters: only then can SQLite use the partial indexes.
        var range = new StringBuilder(query.Status == JobStatus.Running ? "FROM jobs INDEXED BY jobs_lease WHERE 1 = 1" : "FROM jobs WHERE 1 = 1");
        var rest = new StringBuilder();
        if (query.Function is { } function)
        {
            range.Append(" AND function = $function");
            command.Parameters.AddWithValue("$function", function);
        }
        if (query.Status is { } status)
            (status is JobStatus.Failed or JobStatus.Running ? range : rest).Append(CultureInfo.InvariantCulture, $" AND status = {(int)status}");
        if (query.ErrorKind is { } kind)
        {
            rest.Append(" AND error_kind = $kind");
            command.Parameters.AddWithValue("$kind", kind.ToString().ToLowerInvariant());
        }
        if (query.Cursor is { } after)
        {
            range.Append(" AND id < $cursor");
            command.Parameters.AddWithValue("$cursor", after);
        }
        if (query.Since is { } since)
        {
            range.Append(" AND id >= $floor");
            command.Parameters.AddWithValue("$floor", JobId.Floor(since));
        }
        // Without a bound, such a filter walks every job of the function (or the store) when it
        // matches few or none. The bound is an id floor: the n-th id of the range, found on the index
        // alone; the page's query stops at the limit or at the floor, whichever comes first. A near
        // floor first, so a filter that matches often costs little more than an unfiltered page.
        command.Parameters.AddWithValue("$limit", limit + 1);
        var jobs = new List<JobRecord>(Math.Min(limit + 1, 64));
        string? floor = null;
        var bound = rest.Length == 0 ? 0 : Math.Min(FirstScan, _options.ListScanBound);
        while (true)
        {
            if (bound > 0)
            {
                command.CommandText = $"SELECT id {range} ORDER BY id DESC LIMIT 1 OFFSET {bound - 1}";
                floor = await command.ExecuteScalarAsync(cancellationToken) as string;
                command.Parameters.AddWithValue("$scan_floor", floor ?? "");
            }
            command.CommandText = $"SELECT {JobRows.Columns} {range}{rest}{(floor is null ? "" : " AND id >= $scan_floor")} ORDER BY id DESC LIMIT $limit";
            jobs.Clear();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    jobs.Add(JobRowReader.Read(reader));
            }
            if (jobs.Count > limit || floor is null || bound >= _options.ListScanBound)
                break;
            command.Parameters.RemoveAt("$scan_floor");
            bound = _options.ListScanBound;
        }
        // A short page whose search the floor cut goes on below the floor (the last job examined).
        var next = floor;
        if (jobs.Count > limit)
        {
            jobs.RemoveAt(limit);
            next = jobs[^1].Id;
        }
        return new JobPage(WithAttempts(connection, jobs), next);
    }

    public async Task<JobResult?> GetResultAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT result, result_content_type FROM jobs WHERE id = $id AND status = {JobSql.Succeeded}";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? JobRowReader.ReadResult(reader) : null;
    }

    /// <summary>The latest finished attempt's log; "" for a job that has none yet; null for an unknown job.</summary>
    public async Task<string?> GetLogAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT log FROM attempts WHERE job_id = $id ORDER BY rowid DESC LIMIT 1),
                   EXISTS (SELECT 1 FROM jobs WHERE id = $id)
            """;
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.GetInt64(1) == 0)
            return null;
        return reader.IsDBNull(0) ? "" : reader.GetString(0);
    }

    public Task<JobCommandResult> RetryAsync(string id, CancellationToken cancellationToken) =>
        _writer.Post(new RetryJobOp(id) { CancellationToken = cancellationToken });

    public Task<JobCommandResult> CancelAsync(string id, CancellationToken cancellationToken) =>
        _writer.Post(new CancelJobOp(id) { CancellationToken = cancellationToken });

    /// <summary>
    /// Registered before the job is enqueued, so nothing is read until it ends, and an ack or a
    /// dead letter hands its outcome straight to the waiter: the sync path costs no read at all.
    /// </summary>
    public IJobEndWatch WatchEnd(string id) => new EndWatch(this, id);

    /// <summary>
    /// Registers first, then reads: a job that ends between the two is seen by the read, one that
    /// ends after it signals the registration. Either way the caller gets the terminal record.
    /// </summary>
    public async Task<JobRecord?> WaitForEndAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var waiter = _waiters.Add(id);
            try
            {
                var job = await GetJobAsync(id, cancellationToken);
                if (job is null || job.Status.IsTerminal())
                    return job;
                await waiter.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                _waiters.Remove(id, waiter);
            }
        }
    }

    private static JobRecord? ReadJob(SqliteConnection connection, string id)
    {
        JobRecord job;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {JobRows.Columns} FROM jobs WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
                return null;
            job = JobRowReader.Read(reader);
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {JobRowReader.AttemptColumns} FROM attempts WHERE job_id = $id ORDER BY rowid";
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            var attempts = new List<AttemptRecord>();
            while (reader.Read())
                attempts.Add(JobRowReader.ReadAttempt(reader));
            job = JobRowReader.WithAttempts(job, attempts);
        }
        // Only the single-job read shows callback deliveries; listings stay one query per page.
        return job.CallbackUrl is null ? job : job with { Callbacks = ReadCallbacks(connection, id) };
    }

    /// <summary>One query for the attempts of a whole page, not one per job.</summary>
    private static List<JobRecord> WithAttempts(SqliteConnection connection, List<JobRecord> jobs)
    {
        if (jobs.Count == 0)
            return jobs;
        var byJob = new Dictionary<string, List<AttemptRecord>>(jobs.Count, StringComparer.Ordinal);
        foreach (var job in jobs)
            byJob[job.Id] = [];
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {JobRowReader.AttemptColumns} FROM attempts WHERE job_id IN (SELECT value FROM json_each($ids)) ORDER BY rowid";
            command.Parameters.AddWithValue("$ids", "[\"" + string.Join("\",\"", byJob.Keys) + "\"]");
            using var reader = command.ExecuteReader();
            while (reader.Read())
                byJob[reader.GetString(0)].Add(JobRowReader.ReadAttempt(reader));
        }
        for (var i = 0; i < jobs.Count; i++)
            jobs[i] = JobRowReader.WithAttempts(jobs[i], byJob[jobs[i].Id]);
        return jobs;
    }

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
