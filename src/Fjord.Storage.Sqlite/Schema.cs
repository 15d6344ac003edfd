using Fjord.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

/// <summary>
/// The one file's tables. A job row IS its queue entry (status queued/scheduled + run_at), so
/// "stored" and "enqueued" are one insert in one transaction and can never disagree.
/// </summary>
internal static class Schema
{
    /// <summary>
    /// The file's schema version (<c>PRAGMA user_version</c>). A file at an older version is
    /// brought forward by <see cref="Step"/> at open, one numbered step at a time, in the same
    /// transaction as the rest of the open; a file at a newer version is refused
    /// (<see cref="StoreVersionException"/>). To change the schema: add the step, bump this, and
    /// commit a fixture of the previous version (tests/Fjord.Storage.Sqlite.Tests/Fixtures).
    /// </summary>
    public const int Version = 4;

    /// <summary>How long a statement waits for another connection's lock before SQLITE_BUSY.</summary>
    public const int BusyTimeoutMs = 5000;

    // Column order matters: SQLite reads a row's columns front to back, and a large payload or
    // result spills to overflow pages. Keeping the blobs last lets every small-column query
    // (fetch ordering, listings, state checks) stop before them.
    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS jobs (
            id TEXT NOT NULL,
            function TEXT NOT NULL,
            status INTEGER NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            run_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            lease_token INTEGER,
            lease_expires INTEGER,
            node TEXT,
            sync INTEGER NOT NULL DEFAULT 0,
            content_type TEXT,
            callback_url TEXT,
            error_kind TEXT,
            error_message TEXT,
            error_exit_code INTEGER,
            result_content_type TEXT,
            requeued_at INTEGER,
            trace TEXT,
            trigger_info TEXT,
            payload BLOB NOT NULL,
            result BLOB
        );
        CREATE UNIQUE INDEX IF NOT EXISTS jobs_id ON jobs(id);
        -- The partial indexes' status numbers are written out: existing files hold this DDL
        -- as it is. They are JobSql's spellings (Waiting, Running, Failed), and queries repeat
        -- them through JobSql, which JobSqlTests pins to the job table.
        -- Fetch: "the oldest due job of f". Partial on the waiting statuses, so the index holds
        -- only the queue (not millions of finished rows) and one range scan of (function, run_at,
        -- rowid) answers ORDER BY run_at, rowid without a sort. A plain (function, status, run_at)
        -- index would need a merge of two status ranges for that order.
        CREATE INDEX IF NOT EXISTS jobs_due ON jobs(function, run_at) WHERE status IN (0, 1);
        -- Reaper: running jobs whose lease ran out. Partial: only running rows.
        CREATE INDEX IF NOT EXISTS jobs_lease ON jobs(lease_expires) WHERE status = 2;
        -- Listings: newest first within a function; dead letters (failed) newest first.
        CREATE INDEX IF NOT EXISTS jobs_function ON jobs(function, id);
        CREATE INDEX IF NOT EXISTS jobs_failed ON jobs(id) WHERE status = 4;
        -- Dead letters by function and error kind (the dashboard's groups, the count a bulk
        -- command is about to move). status is in it too so SQLite sees it covering: counting
        -- then reads the failed rows' index only, no table row.
        CREATE INDEX IF NOT EXISTS jobs_dead ON jobs(function, error_kind, finished_at, status) WHERE status = 4;

        CREATE TABLE IF NOT EXISTS attempts (
            job_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            node TEXT,
            outcome TEXT NOT NULL,
            error_kind TEXT,
            error_message TEXT,
            exit_code INTEGER,
            log TEXT
        );
        CREATE INDEX IF NOT EXISTS attempts_job ON attempts(job_id);

        CREATE TABLE IF NOT EXISTS idempotency (
            function TEXT NOT NULL,
            key TEXT NOT NULL,
            job_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (function, key)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency(created_at);

        -- Running totals since the store was created, updated in the same transaction as the
        -- ack / dead-letter that they count: counting rows would cost a scan per dashboard tick.
        CREATE TABLE IF NOT EXISTS counters (
            function TEXT NOT NULL PRIMARY KEY,
            succeeded INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS functions (
            name TEXT NOT NULL PRIMARY KEY,
            spec TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        );

        CREATE TABLE IF NOT EXISTS bundles (
            hash TEXT NOT NULL PRIMARY KEY,
            zip BLOB NOT NULL
        );

        CREATE TABLE IF NOT EXISTS api_keys (
            id TEXT NOT NULL PRIMARY KEY,
            hash TEXT NOT NULL UNIQUE,
            namespace TEXT NOT NULL,
            scopes TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0,
            name TEXT,
            rate_per_second INTEGER,
            rate_burst INTEGER,
            expires_at INTEGER,
            last_used_at INTEGER
        );

        -- The callback outbox: a row per job end with an X-Callback-Url, inserted in the very
        -- transaction that made the job terminal, so no end is committed without its callback.
        -- next_at is when to try next; NULL once delivered or given up (then only history).
        -- The job's end (status, error) is copied here: the job row may change later (a dead
        -- letter retried), but this callback reports the end that happened.
        CREATE TABLE IF NOT EXISTS callbacks (
            id INTEGER PRIMARY KEY,
            job_id TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            error_kind TEXT,
            error_message TEXT,
            error_exit_code INTEGER,
            created_at INTEGER NOT NULL,
            next_at INTEGER,
            tries INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks(next_at) WHERE next_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS callbacks_job ON callbacks(job_id);

        CREATE TABLE IF NOT EXISTS callback_tries (
            callback_id INTEGER NOT NULL,
            job_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            status_code INTEGER,
            error TEXT
        );
        CREATE INDEX IF NOT EXISTS callback_tries_job ON callback_tries(job_id);

        -- Secrets, sealed by the node key (AES-GCM) before they reach this file: a copy of the
        -- file without <data>/secrets.key reveals none of them. size is the plaintext's length.
        CREATE TABLE IF NOT EXISTS secrets (
            name TEXT NOT NULL PRIMARY KEY,
            size INTEGER NOT NULL,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            sealed BLOB NOT NULL
        );

        -- Heartbeats: one row per Fjord process, replaced every beat (Fjord.Core.Nodes); the
        -- report is JSON so new host figures need no schema step.
        CREATE TABLE IF NOT EXISTS nodes (
            id TEXT NOT NULL PRIMARY KEY,
            last_seen INTEGER NOT NULL,
            report TEXT NOT NULL
        );

        -- Schedules (Fjord.Core.Storage.IScheduleStore): how far each got (cursor_at, the latest
        -- fire time handled), its last run and skips, and whether it is paused. A fire time's job
        -- is deduplicated by its idempotency key, not here.
        CREATE TABLE IF NOT EXISTS schedules (
            function TEXT NOT NULL,
            name TEXT NOT NULL,
            signature TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            cursor_at INTEGER NOT NULL,
            last_fire_at INTEGER,
            last_job_id TEXT,
            skipped INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (function, name)
        ) WITHOUT ROWID;

        -- Images (issue 14) by digest, as chunk rows of an upload (Fjord.Core.Storage.ImageChunks):
        -- the images row is written last, once the upload is verified, so a reader never sees a
        -- partial one. Chunks stay a few MiB each: no 2 GiB value in the file.
        CREATE TABLE IF NOT EXISTS images (
            digest TEXT NOT NULL PRIMARY KEY,
            upload TEXT NOT NULL,
            size INTEGER NOT NULL,
            chunks INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS image_chunks (
            upload TEXT NOT NULL,
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (upload, seq)
        );

        CREATE TABLE IF NOT EXISTS meta (
            key TEXT NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    /// <summary>Opens the writer's connection: WAL, FULL sync by default, and the schema in place.</summary>
    public static SqliteConnection OpenWriter(string path)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // The writer owns its connection for the store's life; closing it must close the file.
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // auto_vacuum first: it takes effect only on a file with no tables yet, and
            // switching to WAL already writes the header (issue 16; an older file keeps NONE
            // and reuses its free pages: WriterLoop.Space.cs).
            Exec(connection, $"""
                PRAGMA auto_vacuum = INCREMENTAL;
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA busy_timeout = {BusyTimeoutMs};
                PRAGMA temp_store = MEMORY;
                PRAGMA cache_size = -32768;
                PRAGMA journal_size_limit = 67108864;
                """);
            var version = Scalar(connection, "PRAGMA user_version");
            if (version > Version)
                throw new StoreVersionException($"the store file {path}", version, Version);
            Exec(connection, "BEGIN IMMEDIATE;" + Ddl);
            try
            {
                // A new file (version 0) gets the tables above, then every step (each a no-op
                // or an index on tables already in their newest form).
                for (var from = Math.Max(version, 1); from < Version; from++)
                    Exec(connection, Step(connection, from));
                Exec(connection, $"PRAGMA user_version = {Version}; COMMIT;");
            }
            catch
            {
                Exec(connection, "ROLLBACK");
                throw;
            }
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The SQL that takes a file at version <paramref name="from"/> to the next one.</summary>
    private static string Step(SqliteConnection connection, long from) => from switch
    {
        // 2: the columns of issues 8-13 (requeued_at, trace, trigger_info, the key columns).
        // Version 1 files differ in which they already have, so each is added only where missing.
        1 => AddedColumns(connection) + AddedKeyColumns(connection),
        // 3: retention (issue 16). The sweeper asks "ended jobs of f in state s finished before
        // t": partial on the ended states, so the queue's rows never enter it. A step is history:
        // its status number stays written out (JobSql.LowestEnded spells it for queries).
        2 => "CREATE INDEX IF NOT EXISTS jobs_ended ON jobs(function, status, finished_at) WHERE status >= 3;",
        // 4: images (issue 14). Their tables are in the DDL above (IF NOT EXISTS, run at every
        // open), so the step has nothing left to do; the version still moves so that an older
        // fjord refuses a file that may hold images it would not know to keep.
        3 => "SELECT 1;",
        _ => throw new InvalidOperationException($"no schema step from version {from}"),
    };

    /// <summary>
    /// Columns added after a file may have been created: appended by ALTER TABLE (so after the
    /// blobs in such a file; new files have them in place). requeued_at: when an operator last
    /// retried the job by hand; maxAge counts from it, so a retried expired job can run.
    /// </summary>
    private static string AddedColumns(SqliteConnection connection) =>
        Added(connection, "requeued_at", "INTEGER") + Added(connection, "trace", "TEXT")
        + Added(connection, "trigger_info", "TEXT");

    /// <summary>
    /// trace: the job's W3C trace context from intake (Fjord.Core.Jobs.TraceContext);
    /// trigger_info: what made the job (Fjord.Core.Jobs.JobTrigger.Pack), null for HTTP.
    /// </summary>
    private static string Added(SqliteConnection connection, string column, string type) =>
        Scalar(connection, $"SELECT count(*) FROM pragma_table_info('jobs') WHERE name = '{column}'") == 0
            && Scalar(connection, "SELECT count(*) FROM pragma_table_info('jobs')") > 0
            ? $"ALTER TABLE jobs ADD COLUMN {column} {type};"
            : "";

    /// <summary>The key columns of issue 10 (name, rate limit, expiry, last use), for files made before them.</summary>
    private static string AddedKeyColumns(SqliteConnection connection) =>
        Scalar(connection, "SELECT count(*) FROM pragma_table_info('api_keys') WHERE name = 'last_used_at'") == 0
            && Scalar(connection, "SELECT count(*) FROM pragma_table_info('api_keys')") > 0
            ? """
              ALTER TABLE api_keys ADD COLUMN name TEXT;
              ALTER TABLE api_keys ADD COLUMN rate_per_second INTEGER;
              ALTER TABLE api_keys ADD COLUMN rate_burst INTEGER;
              ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
              ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
              """
            : "";

    /// <summary>Readers share pooled read-only connections; WAL lets them run beside the writer.</summary>
    public static string ReadConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = true,
    }.ToString();

    public static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is long value ? value : 0;
    }
}
