#!/usr/bin/env bash
# First deploy of a ~100 MB image, from `fjord deploy` to the first job's result:
#   bench/image-deploy.sh [SIZE_MB]     (default 100; RUNS=3)
# Builds a docker save archive in Python (Debian's static busybox plus a layer of SIZE_MB random,
# incompressible bytes: the worst case for every copy), starts `fjord up` (Release build) on a
# fresh data folder, then times: `fjord deploy` (hash, stream the upload into the store, spec),
# and the first sync invoke (the worker fetches the image from the store, verifies, unpacks,
# composes the root, starts the sandbox, runs the job). A second deploy of the same archive shows
# the digest check skipping the upload. Prints one line per run and the medians; appends JSON
# lines to bench/results/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-100}
runs=${RUNS:-3}
dotnet build src/Fjord.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
fjord=(dotnet src/Fjord.Cli/bin/Release/net10.0/fjord.dll)
work=$(mktemp -d)
chmod 755 "$work"  # the sandbox enters as the image's user, who must reach the cache under it
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/images"
python3 - "$work/images/big.tar" "$size_mb" <<'PY'
import hashlib, io, json, os, sys, tarfile
path, size_mb = sys.argv[1], int(sys.argv[2])
def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, mode, link in entries:
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
                t.addfile(info)
            elif data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                t.addfile(info)
            else:
                info.size, info.mode = len(data), mode
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
busybox = open("/bin/busybox", "rb").read()
base = layer([("bin", None, 0, None), ("bin/busybox", busybox, 0o755, None), ("bin/sh", None, 0, "busybox"),
              ("bin/cat", None, 0, "busybox"), ("bin/wc", None, 0, "busybox")])
data = layer([("data", None, 0, None), ("data/blob.bin", os.urandom(size_mb * 1024 * 1024), 0o644, None)])
layers = [base, data]
digest = lambda b: hashlib.sha256(b).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
    "config": {"Entrypoint": ["/bin/sh", "-c"], "Cmd": ["cat >/dev/null; wc -c < /data/blob.bin"], "Env": ["PATH=/bin"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest(l) for l in layers]}}).encode()
names = [f"{i}{digest(l)[:16]}/layer.tar" for i, l in enumerate(layers)]
manifest = json.dumps([{"Config": digest(config) + ".json", "RepoTags": ["big:latest"], "Layers": names}]).encode()
with tarfile.open(path, "w") as t:
    for name, blob in [("manifest.json", manifest), (digest(config) + ".json", config)] + list(zip(names, layers)):
        info = tarfile.TarInfo(name); info.size = len(blob); t.addfile(info, io.BytesIO(blob))
PY
archive_mb=$(( $(stat -c %s "$work/images/big.tar") / 1048576 ))
printf 'functions:\n  big:\n    image: images/big.tar\n    timeout: 60s\n' >"$work/fjord.yml"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
deploys=() firsts=() totals=() agains=()
for run in $(seq "$runs"); do
  port=$((20000 + RANDOM % 20000))
  data="$work/data-$run" cache="$work/cache-$run"
  mkdir -p "$cache"
  FJORD_ADMIN_KEY=bench-admin-key FJORD_IMAGE_CACHE="$cache" "${fjord[@]}" up --data "$data" --port "$port" >"$work/log-$run" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do kill -0 "$pid" 2>/dev/null || { cat "$work/log-$run" >&2; exit 1; }; sleep 0.05; done
  export FJORD_URL="http://127.0.0.1:$port" FJORD_KEY=bench-admin-key
  start=$(date +%s%N)
  "${fjord[@]}" deploy -f "$work/fjord.yml" >"$work/deploy-$run" || { cat "$work/deploy-$run"; tail -20 "$work/log-$run"; exit 1; } >&2
  deploy=$(ms "$start")
  t1=$(date +%s%N)
  # An async job, polled every 20 ms: it waits in the queue while the worker fetches and composes the image.
  id=$(curl -sS -X POST --data x -H "Authorization: Bearer bench-admin-key" "$FJORD_URL/v1/functions/big/jobs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  while :; do
    status=$(curl -sS -H "Authorization: Bearer bench-admin-key" "$FJORD_URL/v1/jobs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case $status in succeeded) break ;; failed|canceled) echo "job $id $status" >&2; curl -sS -H "Authorization: Bearer bench-admin-key" "$FJORD_URL/v1/jobs/$id" >&2; curl -sS -H "Authorization: Bearer bench-admin-key" "$FJORD_URL/v1/jobs/$id/logs" >&2; exit 1 ;; esac
    sleep 0.02
  done
  first=$(ms "$t1") total=$(ms "$start")
  result=$(curl -sS -H "Authorization: Bearer bench-admin-key" "$FJORD_URL/v1/jobs/$id/result" | tr -d '[:space:]')
  [ "$result" = $((size_mb * 1024 * 1024)) ] || { echo "unexpected result: $result" >&2; tail -20 "$work/log-$run" >&2; exit 1; }
  t2=$(date +%s%N)
  "${fjord[@]}" deploy -f "$work/fjord.yml" | grep -q "already stored"
  again=$(ms "$t2")
  kill -TERM "$pid"; wait "$pid" || true; pid=
  echo "run $run: archive ${archive_mb} MB: deploy ${deploy} ms, deploy→first result ${total} ms (first job ${first} ms), redeploy (no upload) ${again} ms; load1 $(cut -d' ' -f1 /proc/loadavg)"
  deploys+=("$deploy") firsts+=("$first") totals+=("$total") agains+=("$again")
  printf '{"scenario":"image-first-deploy","archiveMb":%s,"deployMs":%s,"firstJobMs":%s,"totalMs":%s,"redeployMs":%s,"load1":%s,"at":"%s"}\n' \
    "$archive_mb" "$deploy" "$first" "$total" "$again" "$(cut -d' ' -f1 /proc/loadavg)" "$(date -u +%FT%TZ)" >>bench/results/results.jsonl
done
med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "== ${archive_mb} MB image, median of $runs: deploy $(med "${deploys[@]}") ms, first job $(med "${firsts[@]}") ms, deploy→first result $(med "${totals[@]}") ms, redeploy $(med "${agains[@]}") ms ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
