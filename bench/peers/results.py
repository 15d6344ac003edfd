"""The peers' results: `results.py append FILE QUICK < lines` adds the time and the machine's
description (the same words as bench/Fjord.Bench/Machine.cs) to each peer's JSON line and appends
it to FILE; `results.py ratios FILE FROM` prints Fjord's figures over each peer's, from the lines
of FILE after line FROM (one run of bench/run.sh --peers)."""
import json
import os
import sys
from datetime import datetime, timezone


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "unknown cpu")
    mem_kb = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
    os_name = "linux"
    if os.path.exists("/etc/os-release"):
        os_name = next((line[12:].strip().strip('"') for line in open("/etc/os-release") if line.startswith("PRETTY_NAME=")), os_name)
    return f"{os.cpu_count()} cores, {model}, {mem_kb // 1048576} GiB, {os_name}"


def append(path, quick):
    head = {"at": datetime.now(timezone.utc).isoformat(), "quick": quick == "1", "machine": machine()}
    with open(path, "a") as out:
        for line in sys.stdin:
            peer = json.loads(line)
            out.write(json.dumps({**head, "scenario": "peer " + peer["peer"], **peer}) + "\n")


def ratios(path, start):
    with open(path) as f:
        lines = [json.loads(line) for line in f.readlines()[start:] if line.strip()]
    fjord = {line["scenario"]: line["rate"] for line in lines if "rate" in line}
    peers = [line for line in lines if "peer" in line]
    intake, batch = fjord.get("intake"), fjord.get("batch x100")
    e2e = next((rate for name, rate in fjord.items() if name.startswith("end-to-end noop-py")), None)

    def ratio(a, b):
        return f"{a / b:.2f}" if a and b else "n/a"

    def rate(r):
        return f"{r:.0f}" if r else "n/a"

    print()
    print(f"Fjord in this run: intake {rate(intake)} 202/s (single POSTs), batch x100 {rate(batch)} jobs/s, "
          f"end-to-end noop-py {rate(e2e)} jobs/s")
    print(f"{'peer':<12} {'jobs':>6} {'enqueue/s':>10} {'e2e/s':>8} {'intake÷enq':>11} {'batch÷enq':>10} {'e2e÷e2e':>8}")
    for p in peers:
        print(f"{p['peer']:<12} {p['jobs']:>6} {p['enqueue_per_s']:>10.0f} {p['e2e_per_s']:>8.0f} "
              f"{ratio(intake, p['enqueue_per_s']):>11} {ratio(batch, p['enqueue_per_s']):>10} {ratio(e2e, p['e2e_per_s']):>8}")
    if not peers:
        print("no peer ran")


if __name__ == "__main__":
    if sys.argv[1] == "append":
        append(sys.argv[2], sys.argv[3])
    else:
        ratios(sys.argv[2], int(sys.argv[3]))
