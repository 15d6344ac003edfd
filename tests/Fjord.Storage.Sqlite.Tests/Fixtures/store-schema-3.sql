-- A store as fjord schema 3 wrote it (Schema.cs at 87270cd5b4c6); made by make-fixture.py.
BEGIN TRANSACTION;
CREATE TABLE api_keys (
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
INSERT INTO "api_keys" VALUES('admin','hash-of-admin','*','admin',1764000000000,0,'admin',NULL,NULL,NULL,NULL);
CREATE TABLE attempts (
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
INSERT INTO "attempts" VALUES('019ab0000000700080000000000000a3',1,1764000000020,1764000000025,'old-node','succeeded',NULL,NULL,NULL,'log of a3');
INSERT INTO "attempts" VALUES('019ab0000000700080000000000000a4',2,1764000000030,1764000000035,'old-node','failed','exit','boom',1,'log of a4');
CREATE TABLE bundles (
            hash TEXT NOT NULL PRIMARY KEY,
            zip BLOB NOT NULL
        );
CREATE TABLE callback_tries (
            callback_id INTEGER NOT NULL,
            job_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            status_code INTEGER,
            error TEXT
        );
INSERT INTO "callback_tries" VALUES(1,'019ab0000000700080000000000000a3',1764000000026,200,NULL);
CREATE TABLE callbacks (
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
INSERT INTO "callbacks" VALUES(1,'019ab0000000700080000000000000a3','https://hooks.example/done',3,1,NULL,NULL,NULL,1764000000025,NULL,1);
CREATE TABLE counters (
            function TEXT NOT NULL PRIMARY KEY,
            succeeded INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
INSERT INTO "counters" VALUES('resize',1,1);
CREATE TABLE functions (
            name TEXT NOT NULL PRIMARY KEY,
            spec TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        );
INSERT INTO "functions" VALUES('resize','{"runtime":"exec","command":["/bin/cat"],"mode":"fork","concurrency":2,"timeout":"30s","memory":"256Mi","maxAttempts":3,"backoff":{"initial":"1s","max":"5m"},"network":false,"maxQueueDepth":100000}',0,1764000000000);
CREATE TABLE idempotency (
            function TEXT NOT NULL,
            key TEXT NOT NULL,
            job_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (function, key)
        ) WITHOUT ROWID;
INSERT INTO "idempotency" VALUES('resize','order-1','019ab0000000700080000000000000a1',1764000000000);
CREATE TABLE jobs (
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
INSERT INTO "jobs" VALUES('019ab0000000700080000000000000a1','resize',0,0,3,1764000000000,1764000000000,NULL,NULL,NULL,NULL,NULL,0,'text/plain',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,X'7061796C6F61642D6131',NULL);
INSERT INTO "jobs" VALUES('019ab0000000700080000000000000a2','resize',2,1,3,1764000000000,1764000000000,1764000000010,NULL,7,1764000030010,'old-node',0,'text/plain',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,X'7061796C6F61642D6132',NULL);
INSERT INTO "jobs" VALUES('019ab0000000700080000000000000a3','resize',3,1,3,1764000000000,1764000000000,1764000000020,1764000000025,NULL,NULL,'old-node',0,'text/plain','https://hooks.example/done',NULL,NULL,NULL,'text/plain',NULL,NULL,NULL,X'7061796C6F61642D6133',X'6F6B');
INSERT INTO "jobs" VALUES('019ab0000000700080000000000000a4','resize',4,2,3,1764000000000,1764000000000,1764000000030,1764000000035,NULL,NULL,'old-node',0,'text/plain',NULL,'exit','boom',NULL,NULL,NULL,NULL,NULL,X'7061796C6F61642D6134',NULL);
INSERT INTO "jobs" VALUES('019ab0000000700080000000000000a5','resize',5,0,3,1764000000000,1764000000000,NULL,1764000000040,NULL,NULL,NULL,0,'text/plain',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,X'7061796C6F61642D6135',NULL);
CREATE TABLE meta (
            key TEXT NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
INSERT INTO "meta" VALUES('lease_token',7);
CREATE TABLE nodes (
            id TEXT NOT NULL PRIMARY KEY,
            last_seen INTEGER NOT NULL,
            report TEXT NOT NULL
        );
CREATE TABLE schedules (
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
CREATE TABLE secrets (
            name TEXT NOT NULL PRIMARY KEY,
            size INTEGER NOT NULL,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            sealed BLOB NOT NULL
        );
INSERT INTO "secrets" VALUES('token',5,1,1764000000000,1764000000000,X'00112233');
CREATE UNIQUE INDEX jobs_id ON jobs(id);
CREATE INDEX jobs_due ON jobs(function, run_at) WHERE status IN (0, 1);
CREATE INDEX jobs_lease ON jobs(lease_expires) WHERE status = 2;
CREATE INDEX jobs_function ON jobs(function, id);
CREATE INDEX jobs_failed ON jobs(id) WHERE status = 4;
CREATE INDEX jobs_dead ON jobs(function, error_kind, finished_at, status) WHERE status = 4;
CREATE INDEX attempts_job ON attempts(job_id);
CREATE INDEX idempotency_created ON idempotency(created_at);
CREATE INDEX callbacks_due ON callbacks(next_at) WHERE next_at IS NOT NULL;
CREATE INDEX callbacks_job ON callbacks(job_id);
CREATE INDEX callback_tries_job ON callback_tries(job_id);
COMMIT;
PRAGMA user_version = 3;
