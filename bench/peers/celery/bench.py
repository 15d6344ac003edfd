"""Runs the two measurements of PEERS.md with Celery and prints one JSON line:
enqueue: this process publishes into an empty queue (each publish waits for its confirm);
e2e: the worker (prefork 8) idle first, then this process floods; first publish to last finish."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

jobs = int(sys.argv[1])
folder = tempfile.mkdtemp(prefix="fjord-peer-celery.")
os.environ.update(PEER_JOBS=str(jobs), PEER_DIR=folder)
from tasks import app, noop  # noqa: E402  (reads PEER_JOBS and PEER_DIR at import)

payload = {"id": 12345, "kind": "noop", "data": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"}


def publish():
    start = time.time()
    for _ in range(jobs):
        noop.delay(payload)
    return start, time.time()


def wait_for(name, worker):
    path = os.path.join(folder, name)
    while not os.path.exists(path):
        if worker.poll() is not None:
            sys.exit(f"celery worker exited with {worker.returncode}")
        time.sleep(0.01)
    with open(path) as f:
        return f.read()


app.control.purge()
start, end = publish()
enqueue_per_s = jobs / (end - start)
app.control.purge()

worker = subprocess.Popen(
    [sys.executable, "-m", "celery", "-q", "-A", "tasks", "worker", "-P", "prefork", "-c", "8",
     "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
    cwd=os.path.dirname(os.path.abspath(__file__)), stdout=sys.stderr)
try:
    wait_for("ready", worker)
    start, _ = publish()
    last = float(wait_for("last", worker))
finally:
    worker.terminate()
    worker.wait()
    shutil.rmtree(folder)

print(json.dumps({
    "peer": "celery",
    "settings": "Celery 5.2 (Debian) on RabbitMQ 3.10, publisher confirms, acks_late, prefetch multiplier 1, prefork 8",
    "jobs": jobs,
    "enqueue_per_s": round(enqueue_per_s),
    "e2e_per_s": round(jobs / (last - start)),
}))
