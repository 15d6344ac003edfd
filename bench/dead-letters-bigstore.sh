#!/usr/bin/env bash
# /dead-letters on a big embedded store: JOBS jobs (default 1,000,000) of which FAILED (default
# 100,000) are dead letters over 20 functions and 3 error kinds, written straight into the SQLite
# file; then `fjord up` on it, a dashboard session, and the time of each page (curl, 5 runs each,
# best and median). Also prints SQLite's query plans: the groups and the confirmation count read
# the partial index jobs_dead only (the failed rows), never the whole jobs table.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-1000000} failed=${FAILED:-100000} port=${PORT:-18091}
key=fjk_bigstore_bench
dotnet build src/Fjord.Cli -c Release -nologo -clp:ErrorsOnly -v quiet >/dev/null
fjord=(dotnet src/Fjord.Cli/bin/Release/net10.0/fjord.dll)
data=$(mktemp -d /tmp/fjord-bigstore-XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$data"; }
trap cleanup EXIT

start() {
    FJORD_ADMIN_KEY=$key Logging__LogLevel__Default=Warning "${fjord[@]}" up --data "$data" --port "$port" >"$data/up.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
        if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then return; fi
        sleep 0.2
    done
    echo "fjord up did not start" >&2; cat "$data/up.log" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

start   # creates the store file and its schema
stop
db=$data/fjord.db
echo "filling $db: $jobs jobs, $failed of them dead letters"
sqlite3 "$db" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $jobs)
INSERT INTO jobs (id, function, status, attempt, max_attempts, created_at, run_at, finished_at, error_kind, error_message, payload)
SELECT printf('%032x', i), 'fn' || (i % 20),
       CASE WHEN i < $failed THEN 4 ELSE 3 END, 1, 1,
       1700000000000 + i, 1700000000000 + i, 1700000000500 + i,
       CASE WHEN i < $failed THEN (CASE i % 3 WHEN 0 THEN 'exit' WHEN 1 THEN 'timeout' ELSE 'crash' END) END,
       CASE WHEN i < $failed THEN 'boom' END, x'00'
FROM n;
COMMIT;
ANALYZE;
SQL
echo "query plans:"
sqlite3 "$db" "EXPLAIN QUERY PLAN SELECT function, error_kind, count(*), max(finished_at) FROM jobs INDEXED BY jobs_dead WHERE status = 4 GROUP BY function, error_kind ORDER BY function, error_kind;"
sqlite3 "$db" "EXPLAIN QUERY PLAN SELECT count(*) FROM jobs INDEXED BY jobs_dead WHERE status = 4 AND ('fn3' IS NULL OR function = 'fn3') AND ('exit' IS NULL OR error_kind = 'exit') AND (NULL IS NULL OR finished_at >= NULL);"

start
jar=$data/cookies
curl -fsS -c "$jar" -o /dev/null -d "key=$key" "http://127.0.0.1:$port/login"
time_page() {
    local path=$1 times=()
    for _ in 1 2 3 4 5; do
        times+=("$(curl -fsS -b "$jar" -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port$path")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v p="$path" '{a[NR]=$1} END {printf "%-60s best %.0f ms, median %.0f ms\n", p, a[1]*1000, a[3]*1000}'
}
time_page "/dead-letters"
time_page "/dead-letters/confirm?action=retry&function=fn3&errorKind=exit"
time_page "/dead-letters/confirm?action=purge"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
