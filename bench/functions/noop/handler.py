def handle(payload, context):
    return b""
