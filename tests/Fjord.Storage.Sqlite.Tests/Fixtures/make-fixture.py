#!/usr/bin/env python3
"""Writes store-schema-N.sql: a small store as a released Fjord wrote it, for the upgrade tests.

Usage: make-fixture.py COMMIT VERSION  (run from the repository root)

It takes the DDL of src/Fjord.Storage.Sqlite/Schema.cs at COMMIT (the release), builds a store
with it in memory, adds one row of every kind a store holds (a function, a key, jobs in every
status with attempts, a callback and its try, an idempotency key, a secret, a node), and dumps
it as SQL. The SQL is the fixture: readable, diffable, a few KB. Commit one per schema version
that shipped; SchemaFixtureTests opens each with the current build.
"""
import re, sqlite3, subprocess, sys

commit, version = sys.argv[1], int(sys.argv[2])
source = subprocess.run(["git", "show", f"{commit}:src/Fjord.Storage.Sqlite/Schema.cs"], check=True, capture_output=True, text=True).stdout
ddl = re.search(r'private const string Ddl = """\n(.*?)\n\s*""";', source, re.S).group(1)

db = sqlite3.connect(":memory:")
db.executescript(ddl)
T = 1_764_000_000_000  # 2025-11-24, when these jobs ran
jobs = [
    # id, function, status, attempt, started, finished, lease_token, lease_expires, node, error_kind, error_message, result
    ("019ab0000000700080000000000000a1", "resize", 0, 0, None, None, None, None, None, None, None, None),
    ("019ab0000000700080000000000000a2", "resize", 2, 1, T + 10, None, 7, T + 30_010, "old-node", None, None, None),
    ("019ab0000000700080000000000000a3", "resize", 3, 1, T + 20, T + 25, None, None, "old-node", None, None, b"ok"),
    ("019ab0000000700080000000000000a4", "resize", 4, 2, T + 30, T + 35, None, None, "old-node", "exit", "boom", None),
    ("019ab0000000700080000000000000a5", "resize", 5, 0, None, T + 40, None, None, None, None, None, None),
]
for (id, fn, status, attempt, started, finished, token, expires, node, kind, message, result) in jobs:
    db.execute("""INSERT INTO jobs (id, function, status, attempt, max_attempts, created_at, run_at, started_at, finished_at,
                  lease_token, lease_expires, node, content_type, callback_url, error_kind, error_message, result_content_type, payload, result)
                  VALUES (?, ?, ?, ?, 3, ?, ?, ?, ?, ?, ?, ?, 'text/plain', ?, ?, ?, ?, ?, ?)""",
               (id, fn, status, attempt, T, T, started, finished, token, expires, node,
                "https://hooks.example/done" if status == 3 else None, kind, message, "text/plain" if result else None, b"payload-" + id[-2:].encode(), result))
db.execute("INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, log) VALUES ('019ab0000000700080000000000000a3', 1, ?, ?, 'old-node', 'succeeded', 'log of a3')", (T + 20, T + 25))
db.execute("INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message, exit_code, log) VALUES ('019ab0000000700080000000000000a4', 2, ?, ?, 'old-node', 'failed', 'exit', 'boom', 1, 'log of a4')", (T + 30, T + 35))
db.execute("INSERT INTO idempotency (function, key, job_id, created_at) VALUES ('resize', 'order-1', '019ab0000000700080000000000000a1', ?)", (T,))
db.execute("INSERT INTO counters (function, succeeded, failed) VALUES ('resize', 1, 1)")
spec = '{"runtime":"exec","command":["/bin/cat"],"mode":"fork","concurrency":2,"timeout":"30s","memory":"256Mi","maxAttempts":3,"backoff":{"initial":"1s","max":"5m"},"network":false,"maxQueueDepth":100000}'
db.execute("INSERT INTO functions (name, spec, paused, updated_at) VALUES ('resize', ?, 0, ?)", (spec, T))
db.execute("INSERT INTO api_keys (id, hash, namespace, scopes, created_at, name) VALUES ('admin', 'hash-of-admin', '*', 'admin', ?, 'admin')", (T,))
db.execute("INSERT INTO callbacks (job_id, url, status, attempt, created_at, next_at, tries) VALUES ('019ab0000000700080000000000000a3', 'https://hooks.example/done', 3, 1, ?, NULL, 1)", (T + 25,))
db.execute("INSERT INTO callback_tries (callback_id, job_id, at, status_code) VALUES (1, '019ab0000000700080000000000000a3', ?, 200)", (T + 26,))
db.execute("INSERT INTO secrets (name, size, version, created_at, updated_at, sealed) VALUES ('token', 5, 1, ?, ?, x'00112233')", (T, T))
db.execute("INSERT INTO meta (key, value) VALUES ('lease_token', 7)")
db.execute(f"PRAGMA user_version = {version}")
db.commit()

with open(f"tests/Fjord.Storage.Sqlite.Tests/Fixtures/store-schema-{version}.sql", "w") as out:
    out.write(f"-- A store as fjord schema {version} wrote it (Schema.cs at {commit[:12]}); made by make-fixture.py.\n")
    for line in db.iterdump():
        out.write(line + "\n")
    out.write(f"PRAGMA user_version = {version};\n")
