#!/usr/bin/env bash
# BullMQ on Redis, the workload of PEERS.md: `run.sh [JOBS]` (default 20000) installs redis-server
# and npm (apt; Debian's nodejs comes without npm) and BullMQ (npm ci, the versions pinned in
# package-lock.json; ioredis stays on 5.x, which runs on Debian 12's node 18), starts a private
# Redis on its own port and folder with AOF everysec (BullMQ's usual durable setting: a write is
# acknowledged before its fsync), runs bench.js and prints its JSON line. Redis is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")"
jobs=${1:-20000}

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error >&2

data=$(mktemp -d /tmp/fjord-peer-redis.XXXXXX)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$data" --save "" --appendonly yes \
    --appendfsync everysec --daemonize no --logfile "$data/redis.log" &
redis=$!
trap 'kill "$redis" 2>/dev/null; wait "$redis" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

node bench.js "$jobs" "$port"
