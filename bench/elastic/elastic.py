#!/usr/bin/env python3
"""Elastic pools bench: scale from zero, a 2,000-job burst elastic vs fixed, and an idle node.

Starts `fjord up` (the Release build) on a temporary data folder, deploys bench/elastic/fjord.yml
(or, for the idle figure, the examples with every function at min 0), talks HTTP only, prints a
table and appends JSON lines to bench/results/results.jsonl.
"""
import json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request
from datetime import datetime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FJORD = os.path.join(ROOT, "src/Fjord.Cli/bin/Release/net10.0/fjord")
QUICK = "--quick" in sys.argv


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Node:
    def __init__(self, project):
        self.data = tempfile.mkdtemp(prefix="fjord-elastic-bench-")
        self.port = free_port()
        self.log = open(os.path.join(self.data, "node.log"), "w")
        self.proc = subprocess.Popen([FJORD, "up", "--data", self.data, "--port", str(self.port), "-f", project],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        key_file = os.path.join(self.data, "admin.key")
        deadline = time.time() + 60
        while True:
            try:
                self.key = open(key_file).read().strip()
                if self.get("/readyz")["ready"]:
                    break
            except Exception:
                pass
            if time.time() > deadline:
                raise SystemExit("fjord up did not become ready: see " + self.log.name)
            time.sleep(0.2)

    def call(self, method, path, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + self.key, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"null")

    def get(self, path):
        return self.call("GET", path)

    def queue(self, fn):
        return next(q for q in self.get("/v1/queues")["functions"] if q["name"] == fn)

    def rss(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024

    def function_processes(self):
        out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
        return [l for l in out.splitlines()[1:] if l.split(None, 2)[1] == str(self.proc.pid) and "bwrap" in l]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        shutil.rmtree(self.data, ignore_errors=True)


def until(cond, within, what):
    deadline = time.time() + within
    while not cond():
        if time.time() > deadline:
            raise SystemExit("timed out: " + what)
        time.sleep(0.02)


def iso(t):
    return datetime.fromisoformat(t.replace("Z", "+00:00"))


def machine():
    load = open("/proc/loadavg").read().split()[:3]
    cpus = os.cpu_count()
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    return {"cpus": cpus, "memGiB": round(mem / 1048576, 1), "load": " ".join(load)}


def scale_from_zero(node, rounds):
    waits = []
    for _ in range(rounds):
        until(lambda: node.queue("zero")["workers"] == 0, 30, "zero pool back at zero")
        job = node.call("POST", "/v1/functions/zero/jobs", b"0")
        jid = job["id"]
        until(lambda: node.get(f"/v1/jobs/{jid}")["status"] == "succeeded", 30, "first job")
        j = node.get(f"/v1/jobs/{jid}")
        waits.append((iso(j["startedAt"]) - iso(j["createdAt"])).total_seconds() * 1000)
    return waits


def burst(node, fn, count, seconds):
    before = node.queue(fn)["succeeded"]
    start = time.time()
    for i in range(0, count, 500):
        node.call("POST", f"/v1/functions/{fn}/jobs:batch", [float(seconds)] * min(500, count - i))
    until(lambda: node.queue(fn)["succeeded"] - before >= count, 600, f"{fn} burst")
    return time.time() - start


def main():
    results = []
    rounds = 5 if QUICK else 20
    count = 400 if QUICK else 2000
    node = Node(os.path.join(ROOT, "bench/elastic/fjord.yml"))
    try:
        waits = scale_from_zero(node, rounds)
        p50 = statistics.median(waits)
        results.append({"scenario": "elastic.scale_from_zero", "p50_ms": round(p50, 1), "max_ms": round(max(waits), 1), "rounds": rounds})
        # Same run: the fixed pool first (its 16 are warm from the start), then the elastic one from zero.
        fixed = burst(node, "fixed", count, "0.05")
        elastic = burst(node, "elastic", count, "0.05")
        results.append({"scenario": "elastic.burst", "jobs": count, "fixed16_s": round(fixed, 2), "elastic0to16_s": round(elastic, 2), "ratio": round(elastic / fixed, 2)})
    finally:
        node.stop()

    # Idle: every example function at min 0 (a copy of examples/ with concurrency rewritten).
    examples = tempfile.mkdtemp(prefix="fjord-elastic-examples-")
    shutil.copytree(os.path.join(ROOT, "examples"), examples, dirs_exist_ok=True)
    yml = os.path.join(examples, "fjord.yml")
    text = open(yml).read()
    text = re.sub(r"\n    concurrency: [^\n]*", "", text)
    text = re.sub(r"(\n    runtime: [a-z]+)", r"\1\n    concurrency: { min: 0, max: 2 }\n    idleTimeout: 1s", text)
    open(yml, "w").write(text)
    node = Node(yml)
    try:
        time.sleep(5)
        processes = node.function_processes()
        rss = node.rss()
        results.append({"scenario": "elastic.idle_min0", "functionProcesses": len(processes), "rssMB": round(rss / 1048576, 1)})
    finally:
        node.stop()
        shutil.rmtree(examples, ignore_errors=True)

    m = machine()
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/results.jsonl"), "a") as f:
        for r in results:
            f.write(json.dumps({"at": stamp, "machine": m, **r}) + "\n")
    print(f"machine: {m['cpus']} cpus, {m['memGiB']} GiB, load {m['load']} (after the run)")
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
