#!/usr/bin/env bash
# The peers of PEERS.md on this machine: `bench/peers/run.sh [--quick]` runs BullMQ, Celery, raw
# RabbitMQ, MassTransit and Hangfire, each with the same workload shape as Fjord's end-to-end benchmark, prints
# one JSON line per peer and appends it (with the machine's description) to
# bench/results/results.jsonl. A peer that cannot install or run is skipped with a line saying so.
# RabbitMQ and PostgreSQL are private instances (bench/peers/services.sh), stopped on exit.
# `bench/run.sh --peers` runs this after Fjord's scenarios and prints the ratios.
set -uo pipefail
cd "$(dirname "$0")"
quick=0 scale=1
[ "${1:-}" = --quick ] && quick=1 scale=5
results=../results/results.jsonl

logs=$(mktemp -d /tmp/fjord-peers.XXXXXX)
# Not inside $logs: mktemp's folder is private, and the brokers run as their own users.
svc=/tmp/fjord-peers-services.$$
trap 'bash services.sh stop "$svc"; rm -rf "$logs"' EXIT
if bash services.sh start "$svc" >"$logs/services.log" 2>&1; then
    set -a
    # shellcheck disable=SC1091
    . "$svc/peers.env"
    set +a
else
    echo "RabbitMQ/PostgreSQL did not start; the peers that need them will be skipped:" >&2
    tail -3 "$logs/services.log" | sed 's/^/    /' >&2
fi

# run NAME JOBS: the peer's JSON line on stdout and in the results, or a line saying why not.
run() {
    echo "== peer $1 ($2 jobs)" >&2
    if line=$(bash "$1/run.sh" "$2" 2>"$logs/$1.err" | grep '^{"peer"') && [ -n "$line" ]; then
        echo "$line"
        echo "$line" | python3 results.py append "$results" "$quick"
    else
        echo "skipped: $1 (could not install or run; its last words:)" >&2
        tail -3 "$logs/$1.err" | sed 's/^/    /' >&2
    fi
}

run bullmq $((20000 / scale))
run rabbitmq $((20000 / scale))
run celery $((5000 / scale))
run masstransit $((20000 / scale))
run hangfire $((2000 / scale))
