import json
import os


def handle(payload: bytes, context):
    """Greets whoever the payload names: {"name": "Ada"} or plain text."""
    text = payload.decode("utf-8", errors="replace").strip()
    try:
        name = json.loads(text).get("name", "world") if text.startswith("{") else (text or "world")
    except ValueError:
        name = text
    print(f"greeting {name} in job {context.job_id}")  # goes to the job's log, not the result
    return {"message": f"{os.environ.get('GREETING', 'hello')}, {name}!", "attempt": context.attempt}
