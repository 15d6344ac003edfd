#!/usr/bin/env bash
# Runs every test: builds the solution once, runs each test project against real SQLite files,
# real function processes in a real sandbox, a real `fjord up` process, and a private RabbitMQ
# node and PostgreSQL cluster (scripts/services.sh), then prints
# "N passed, N failed". Exits non-zero on any build or test failure.
set -uo pipefail
cd "$(dirname "$0")"

bash scripts/ensure-deps.sh || exit 1

results="$(pwd)/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

echo "== build (Release)"
if ! dotnet build Fjord.sln -c Release -nologo -clp:ErrorsOnly; then
    echo "0 passed, 1 failed"
    exit 1
fi

# A private RabbitMQ node and PostgreSQL cluster for the scale-out tests, shared by both of
# their projects (each would otherwise start its own), stopped by PID on exit.
svc="$(pwd)/artifacts/services"
if ! bash scripts/services.sh start "$svc" >/dev/null; then
    echo "could not start RabbitMQ and PostgreSQL (scripts/services.sh)"
    echo "0 passed, 1 failed"
    exit 1
fi
export FJORD_SERVICES_DIR="$svc"
trap 'bash scripts/services.sh stop "$svc" >/dev/null 2>&1' EXIT

# One project after the other: the fault and cluster tests kill processes and brokers and
# measure throughput, so they own the machine while they run.
status=0
for proj in tests/*/*.csproj; do
    name=$(basename "$proj" .csproj)
    echo "== $name"
    dotnet test "$proj" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
        --logger "console;verbosity=minimal" || status=1
done

# Sum the counters of every trx file; a project that produced none counts as a failure.
read -r passed failed < <(python3 - "$results" tests/*/*.csproj <<'PY'
import sys, glob, os, xml.etree.ElementTree as ET
results, projects = sys.argv[1], sys.argv[2:]
passed = failed = 0
for proj in projects:
    name = os.path.basename(proj)[:-len(".csproj")]
    path = os.path.join(results, name + ".trx")
    if not os.path.exists(path):
        failed += 1
        continue
    ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
print(passed, failed)
PY
)
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
