#!/usr/bin/env bash
# Startup to /healthz and idle RSS of `fjord up`, per build:
#   bench/startup.sh NAME=PATH [NAME=PATH ...]     (PATH: an executable fjord; runs 3 times each)
# e.g. bench/startup.sh framework=src/Fjord.Cli/bin/Release/net10.0/fjord single-file=artifacts/publish/linux-x64/fjord
# Each run: a fresh data folder, no project file; the time from exec to the first 200 of /healthz
# (polled every 5 ms) and the CPU the process had used by then (user + system, from /proc: on a
# busy machine the wall time mostly measures the other processes, the CPU time much less), then
# VmRSS after 5 s idle. Prints one line per run and a median per build.
set -euo pipefail
runs=${RUNS:-3}
port=$((20000 + RANDOM % 20000))
for spec in "$@"; do
  name=${spec%%=*} bin=${spec#*=}
  times=() rss=() cpus=()
  for _ in $(seq "$runs"); do
    data=$(mktemp -d)
    start=$(date +%s%N)
    "$bin" up --data "$data/d" --port "$port" >"$data/log" 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
      kill -0 "$pid" 2>/dev/null || { cat "$data/log" >&2; exit 1; }
      sleep 0.005
    done
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    # utime + stime (fields 14 and 15 of /proc/PID/stat, after the command's parentheses), in ticks.
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$pid/stat")
    sleep 5
    kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
    kill -TERM "$pid"; wait "$pid" || true
    rm -rf "$data"
    echo "$name: startup ${ms} ms (CPU ${cpu} ms), idle RSS $((kb / 1024)) MB"
    times+=("$ms") rss+=("$kb") cpus+=("$cpu")
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
  echo "== $name: median startup $(med "${times[@]}") ms, median CPU to /healthz $(med "${cpus[@]}") ms, median idle RSS $(( $(med "${rss[@]}") / 1024 )) MB, size $(( $(stat -c %s "$bin") / 1048576 )) MB"
done
