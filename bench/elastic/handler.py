import time


def handle(payload, context):
    time.sleep(float(payload or b"0"))
    return b""
