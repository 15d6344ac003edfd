#!/usr/bin/env bash
# One command for the benchmarks: builds Fjord in Release, starts `fjord up` with
# bench/fjord.bench.yml on a temporary data folder, runs the scenarios, prints a table and appends
# JSON lines to bench/results/results.jsonl. `--quick` runs each scenario at a fifth of its size;
# `--only runtime|intake|e2e|sync|paced|rabbit|cpu|cpu-up|keep|keep-pg|soak|images|redis` runs one group (redis: the cpu workload on `--backend redis://…` next to BullMQ on the same Redis (bench/peers/bullmq/samerun.js) and `fjord up`, CPU split central = redis-server / edge, redis-server INFO cpu, AOF and commandstats per job, and Redis used_memory per waiting and per kept ended job at 100 B and 1 KB payloads; FJORD_ROUNDS=N adds pairs of Fjord on Redis and `fjord up` on fresh processes and prints their medians) (images: an image function's fork cold start and warm python job next to a folder function's) (keep: intake p99 during an online backup of a ~1 GB store and a retention sweep of 1,000,000 jobs; keep-pg: the sweep on a private PostgreSQL) (soak: a day of traffic compressed into minutes with `retention: 1m`, the store's file sampled each hour; FJORD_SOAK_RATE, FJORD_SOAK_HOURS, FJORD_SOAK_HOUR_SECONDS) (cpu: CPU per job, summed over every
# process from /proc, Fjord on RabbitMQ + PostgreSQL next to `fjord up` and raw RabbitMQ.Client;
# cpu-up: `fjord up` alone, by thread, builds compared in alternating rounds: FJORD_BUILDS, FJORD_ROUNDS, FJORD_WARMUP). `--peers` then runs the peers of PEERS.md
# in the same invocation (bench/peers/run.sh) and prints Fjord's figures over theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
peers=0 quick=() args=()
for arg in "$@"; do
    case $arg in
        --peers) peers=1 ;;
        --quick) quick=(--quick) args+=("$arg") ;;
        *) args+=("$arg") ;;
    esac
done

bash scripts/ensure-deps.sh
dotnet build src/Fjord.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
dotnet build bench/Fjord.Bench -c Release -nologo -clp:ErrorsOnly -v quiet
results=bench/results/results.jsonl
# This run's lines are the ones after this count: the ratios use Fjord's and the peers' from it.
# A fresh clone has no results file yet: with pipefail, `cat missing | wc -l` would end the script.
from=0
if [ -f "$results" ]; then from=$(wc -l <"$results"); fi
status=0
dotnet bench/Fjord.Bench/bin/Release/net10.0/Fjord.Bench.dll "${args[@]}" || status=$?
if [ "$peers" = 1 ]; then
    bash bench/peers/run.sh "${quick[@]}"
    python3 bench/peers/results.py ratios "$results" "$from"
fi
exit "$status"
