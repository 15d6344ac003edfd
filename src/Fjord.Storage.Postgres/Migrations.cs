using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>
/// The schema, as numbered steps applied at start. Every node runs this at open; an advisory
/// lock serializes them, each step is idempotent (<c>IF NOT EXISTS</c>), and the version row
/// records how far this database has come, so a newer node can add step 2 later while older
/// steps never run twice.
/// </summary>
internal static class Migrations
{
    private const long LockKey = 0x666a6f7264; // "fjord"

    // Steps are history: each ran as written on existing databases and is never edited. So the
    // partial indexes' WHERE clauses keep their status numbers (jobs_waiting, jobs_lease,
    // jobs_failed, jobs_dead, jobs_ended); they are JobSql's spellings, which queries repeat
    // through JobSql (pinned to the job table by JobSqlTests). A new step writes them through JobSql.
    private static readonly string[] Steps =
    [
        """
        -- One clock for leases, schedules and timestamps: the database's. now() is the
        -- transaction's start, so every row a statement touches agrees on it.
        CREATE OR REPLACE FUNCTION fjord_now_ms() RETURNS bigint LANGUAGE sql STABLE
            AS $$ SELECT (extract(epoch FROM now()) * 1000)::bigint $$;

        CREATE SEQUENCE IF NOT EXISTS fjord_lease_tokens;

        CREATE TABLE IF NOT EXISTS jobs (
            id text PRIMARY KEY,
            function text NOT NULL,
            status smallint NOT NULL,
            attempt integer NOT NULL DEFAULT 0,
            max_attempts integer NOT NULL,
            created_at bigint NOT NULL,
            run_at bigint NOT NULL,
            started_at bigint,
            finished_at bigint,
            lease_token bigint,
            lease_expires bigint,
            node text,
            sync boolean NOT NULL DEFAULT false,
            content_type text,
            callback_url text,
            error_kind text,
            error_message text,
            error_exit_code integer,
            result_content_type text,
            payload bytea NOT NULL,
            result bytea
        );
        CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs (function, run_at) WHERE status IN (0, 1);
        CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (lease_expires) WHERE status = 2;
        CREATE INDEX IF NOT EXISTS jobs_function ON jobs (function, id);
        CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, id);

        CREATE TABLE IF NOT EXISTS attempts (
            seq bigserial PRIMARY KEY,
            job_id text NOT NULL,
            number integer NOT NULL,
            started_at bigint NOT NULL,
            finished_at bigint,
            node text,
            outcome text NOT NULL,
            error_kind text,
            error_message text,
            exit_code integer,
            log text
        );
        CREATE INDEX IF NOT EXISTS attempts_job ON attempts (job_id, seq);

        -- The outbox: one row per job that is waiting and still needs a broker message (new,
        -- retried, released, reaped, requeued). It is written in the same transaction as the
        -- job's move to waiting, so a waiting job without a message in flight cannot exist.
        -- claim marks the relay (or intake) publishing it right now; claimed_until lets another
        -- relay take over when that publisher dies.
        CREATE TABLE IF NOT EXISTS outbox (
            job_id text PRIMARY KEY,
            function text NOT NULL,
            due_at bigint NOT NULL,
            claim bigint,
            claimed_until bigint NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due_at);

        CREATE TABLE IF NOT EXISTS idempotency (
            function text NOT NULL,
            key text NOT NULL,
            job_id text NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (function, key)
        );
        CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);

        CREATE TABLE IF NOT EXISTS counters (
            function text PRIMARY KEY,
            succeeded bigint NOT NULL DEFAULT 0,
            failed bigint NOT NULL DEFAULT 0
        );

        CREATE TABLE IF NOT EXISTS functions (
            name text PRIMARY KEY,
            spec text NOT NULL,
            paused boolean NOT NULL DEFAULT false,
            updated_at bigint NOT NULL
        );

        CREATE TABLE IF NOT EXISTS bundles (
            hash text PRIMARY KEY,
            zip bytea NOT NULL
        );

        CREATE TABLE IF NOT EXISTS api_keys (
            id text PRIMARY KEY,
            hash text NOT NULL UNIQUE,
            namespace text NOT NULL,
            scopes text NOT NULL,
            created_at bigint NOT NULL,
            revoked boolean NOT NULL DEFAULT false
        );
        """,
        """
        -- The callback outbox: a row per job end with an X-Callback-Url, inserted by the very
        -- statement that made the job terminal, so no end commits without its callback. The end
        -- (status, error) is copied: the job row may change later (a dead letter retried), but
        -- the callback reports the end that happened. next_at is when to try next, on the
        -- database clock; NULL once delivered or given up.
        CREATE TABLE IF NOT EXISTS callbacks (
            id bigserial PRIMARY KEY,
            job_id text NOT NULL,
            url text NOT NULL,
            status smallint NOT NULL,
            attempt integer NOT NULL,
            error_kind text,
            error_message text,
            error_exit_code integer,
            created_at bigint NOT NULL,
            next_at bigint,
            tries integer NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks (next_at) WHERE next_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS callbacks_job ON callbacks (job_id);

        CREATE TABLE IF NOT EXISTS callback_tries (
            seq bigserial PRIMARY KEY,
            callback_id bigint NOT NULL,
            job_id text NOT NULL,
            at bigint NOT NULL,
            status_code integer,
            error text
        );
        CREATE INDEX IF NOT EXISTS callback_tries_job ON callback_tries (job_id, seq);

        -- When a dead letter was last brought back: maxAge counts from then, so a retried
        -- expired job runs instead of expiring again at once.
        ALTER TABLE jobs ADD COLUMN IF NOT EXISTS requeued_at bigint;

        -- Bulk dead-letter commands select failed jobs by function, kind and time.
        CREATE INDEX IF NOT EXISTS jobs_failed ON jobs (function, finished_at) WHERE status = 4;
        """,
        """
        -- A function's totals spread over rows keyed by the completing connection
        -- (CounterSql.Shards), so concurrent completions do not queue on one row lock.
        ALTER TABLE counters ADD COLUMN IF NOT EXISTS shard smallint NOT NULL DEFAULT 0;
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                           WHERE c.relname = 'counters' AND i.indisprimary AND i.indnatts = 2) THEN
                ALTER TABLE counters DROP CONSTRAINT IF EXISTS counters_pkey;
                ALTER TABLE counters ADD PRIMARY KEY (function, shard);
            END IF;
        END $$;
        """,
        """
        -- Keys with a name, a rate limit, an expiry and a last use (issue 10).
        ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS name text;
        ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS rate_per_second integer;
        ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS rate_burst integer;
        ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS expires_at bigint;
        ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS last_used_at bigint;
        """,
        """
        -- Secrets, sealed with the cluster's FJORD_SECRETS_KEY (AES-GCM) before they reach the
        -- database: a dump without the key reveals none of them. size is the plaintext's length.
        CREATE TABLE IF NOT EXISTS secrets (
            name text PRIMARY KEY,
            size integer NOT NULL,
            version bigint NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            sealed bytea NOT NULL
        );
        """,
        """
        -- Heartbeats: one row per Fjord process, replaced every beat (Fjord.Core.Nodes), stamped
        -- with the database clock. The report is JSON so new host figures need no schema step.
        CREATE TABLE IF NOT EXISTS nodes (
            id text PRIMARY KEY,
            last_seen bigint NOT NULL,
            report text NOT NULL
        );

        -- The job's W3C trace context from intake (Fjord.Core.Jobs.TraceContext).
        ALTER TABLE jobs ADD COLUMN IF NOT EXISTS trace text;
        """,
        """
        -- What made the job (Fjord.Core.Jobs.JobTrigger.Pack: kind, name, context as JSON); null for HTTP.
        ALTER TABLE jobs ADD COLUMN IF NOT EXISTS trigger_info text;
        """,
        """
        -- Schedules (Fjord.Core.Storage.IScheduleStore): how far each got (cursor_at, the latest
        -- fire time handled), its last run and skips, and whether it is paused. A fire time's job
        -- is deduplicated by its idempotency key, not here.
        CREATE TABLE IF NOT EXISTS schedules (
            function text NOT NULL,
            name text NOT NULL,
            signature text NOT NULL,
            paused boolean NOT NULL DEFAULT false,
            cursor_at bigint NOT NULL,
            last_fire_at bigint,
            last_job_id text,
            skipped bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (function, name)
        );
        """,
        """
        -- Dead letters by function and error kind (the dashboard's groups, the count a bulk
        -- command is about to move), from the failed rows' index alone.
        CREATE INDEX IF NOT EXISTS jobs_dead ON jobs (function, error_kind, finished_at) WHERE status = 4;
        """,
        """
        -- Retention (issue 16): the sweeper's "ended jobs of f in state s finished before t",
        -- partial so the queue's rows never enter it; and small facts of the database, first of
        -- them the tombstone (the creation time of the newest job retention or a purge deleted).
        CREATE INDEX IF NOT EXISTS jobs_ended ON jobs (function, status, finished_at) WHERE status >= 3;
        CREATE TABLE IF NOT EXISTS fjord_meta (
            key text PRIMARY KEY,
            value bigint NOT NULL
        );
        """,
        """
        -- Images (issue 14) by digest, as chunk rows of an upload (Fjord.Core.Storage.ImageChunks):
        -- the images row is inserted last, once the upload is verified, so a reader never sees a
        -- partial one. Chunks are a few MiB each (no 2 GiB value), and stored uncompressed:
        -- archives are mostly gzip already, and TOAST compression would only cost CPU.
        CREATE TABLE IF NOT EXISTS images (
            digest text PRIMARY KEY,
            upload text NOT NULL,
            size bigint NOT NULL,
            chunks integer NOT NULL,
            created_at bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS image_chunks (
            upload text NOT NULL,
            seq integer NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (upload, seq)
        );
        ALTER TABLE image_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
        """,
    ];

    public static int Latest => Steps.Length;

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Exec(connection, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        await Exec(connection, "CREATE TABLE IF NOT EXISTS fjord_schema (version integer NOT NULL)", cancellationToken);
        await using (var read = new NpgsqlCommand("SELECT max(version) FROM fjord_schema", connection))
        {
            var current = await read.ExecuteScalarAsync(cancellationToken) is int v ? v : 0;
            if (current > Latest)
                throw new Fjord.Core.Storage.StoreVersionException("the PostgreSQL database", current, Latest);
            for (var step = current; step < Latest; step++)
            {
                await Exec(connection, Steps[step], cancellationToken);
                await Exec(connection, $"INSERT INTO fjord_schema (version) VALUES ({step + 1})", cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task Exec(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
