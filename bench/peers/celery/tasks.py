"""The Celery app of the benchmark: durable settings (publisher confirms, late acks, prefetch 1)
and a no-op task. The worker writes $PEER_DIR/ready once it consumes, and $PEER_DIR/last with the
wall-clock time at which the $PEER_JOBS-th task finished."""
import multiprocessing
import os
import time

from celery import Celery
from celery.signals import worker_ready

app = Celery("peers", broker=os.environ["PEER_AMQP"])
app.conf.update(
    broker_transport_options={"confirm_publish": True},
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
)

jobs = int(os.environ.get("PEER_JOBS", "0"))
folder = os.environ.get("PEER_DIR", "")
# Created before the prefork pool forks, so the eight children share one counter.
finished = multiprocessing.Value("i", 0)


@app.task
def noop(payload):
    with finished.get_lock():
        finished.value += 1
        last = finished.value == jobs
    if last:
        # Written whole, then renamed: the benchmark reads it as soon as it exists.
        with open(os.path.join(folder, "last.tmp"), "w") as f:
            f.write(repr(time.time()))
        os.replace(os.path.join(folder, "last.tmp"), os.path.join(folder, "last"))


@worker_ready.connect
def _ready(**_):
    open(os.path.join(folder, "ready"), "w").close()
