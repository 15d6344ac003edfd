"""Fjord's python shim: loads a function's handler and runs jobs sent over the shim protocol.

Usage: python3 fjord_shim.py HANDLER.py --marker NONCE [--once]

The protocol (see ../PROTOCOL.md) runs on the stdin/stdout this process was started with. Before
any user code runs, the shim moves them to private descriptors and points fd 1 at stderr and fd 0
at /dev/null: print(), and any child process the handler starts, can never corrupt the protocol
or the result; their output lands in the job's log instead.
"""

import json
import os
import struct
import sys
from importlib.machinery import ModuleSpec, SourceFileLoader

# Kept lean on purpose: every import here is paid by each new process, and a pool scaling from
# zero pays it between a job's acceptance and its start. traceback (tokenize, linecache, textwrap)
# is imported only when there is an error to report; importlib.util (contextlib, functools) not at all.


def take_protocol_fds():
    proto_in = os.dup(0)    # os.dup makes non-inheritable descriptors: children never see them
    proto_out = os.dup(1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return proto_in, proto_out


class Protocol:
    def __init__(self, fd_in, fd_out, marker):
        self.fd_in = fd_in
        self.fd_out = fd_out
        self.marker = marker

    def read_exact(self, n):
        chunks = []
        while n > 0:
            chunk = os.read(self.fd_in, min(n, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def read(self):
        prefix = self.read_exact(4)
        if prefix is None:
            return None, None
        (length,) = struct.unpack(">I", prefix)
        header = json.loads(self.read_exact(length))
        body = self.read_exact(header.get("size", 0)) or b""
        return header, body

    def write(self, header, body=b""):
        header["size"] = len(body)
        data = json.dumps(header).encode("utf-8")
        view = memoryview(struct.pack(">I", len(data)) + data + bytes(body))
        while view:
            written = os.write(self.fd_out, view)
            view = view[written:]

    def end_log(self, seq):
        """Ends a job's log: everything written to stderr before this line belongs to job seq."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        line = ("\x1efjord-end:%s:%d\n" % (self.marker, seq)).encode("ascii")
        os.write(2, line)


class Context:
    """What a handler learns about its job; the same values are in os.environ (FJORD_*)."""

    def __init__(self, header):
        self.job_id = header.get("id")
        self.function = header.get("function")
        self.attempt = header.get("attempt")
        self.content_type = header.get("contentType")
        # W3C trace context of this attempt: start your own spans as its children.
        self.traceparent = header.get("traceparent")
        self.tracestate = header.get("tracestate")
        # What made the job: {"kind": "http"|"schedule"|"amqp", "name": ..., "context": {...}}.
        self.trigger = header.get("trigger") or {"kind": "http"}

    def __repr__(self):
        return "Context(job_id=%r, function=%r, attempt=%r)" % (self.job_id, self.function, self.attempt)


def load_handler(path):
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    # Dependencies `fjord deploy` built into the bundle (pip install --target): before the host's
    # site-packages, so the bundled versions win; addsitedir also runs their .pth files.
    deps = os.path.join(folder, ".fjord", "python")
    if os.path.isdir(deps) and deps not in sys.path:
        import site

        sys.path.insert(1, deps)
        site.addsitedir(deps)
    # What importlib.util.spec_from_file_location and module_from_spec do for a .py file.
    loader = SourceFileLoader("handler", path)
    spec = ModuleSpec("handler", loader, origin=path)
    spec.has_location = True
    module = type(sys)("handler")
    module.__spec__ = spec
    module.__loader__ = loader
    module.__file__ = path
    module.__package__ = ""
    sys.modules["handler"] = module
    loader.exec_module(module)
    handle = getattr(module, "handle", None)
    if not callable(handle):
        raise AttributeError("%s defines no handle(payload, context) function" % path)
    return handle


def encode(result):
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result), "application/octet-stream"
    if isinstance(result, str):
        return result.encode("utf-8"), "text/plain; charset=utf-8"
    return json.dumps(result).encode("utf-8"), "application/json"


def run_job(handle, header, body):
    for key, name in (("FJORD_JOB_ID", "id"), ("FJORD_ATTEMPT", "attempt")):
        os.environ[key] = str(header.get(name, ""))
    for key, name in (("TRACEPARENT", "traceparent"), ("TRACESTATE", "tracestate")):
        if header.get(name):
            os.environ[key] = header[name]
        else:
            os.environ.pop(key, None)
    result = handle(body, Context(header))
    if hasattr(result, "__await__"):
        # Imported only for async handlers: asyncio alone costs ~80 ms of interpreter start,
        # which every fork-mode job would otherwise pay.
        import asyncio

        result = asyncio.run(result)
    return encode(result)


def main(argv):
    if not argv:
        sys.stderr.write("usage: fjord_shim.py HANDLER --marker NONCE [--once]\n")
        return 2
    handler_path = argv[0]
    marker = argv[argv.index("--marker") + 1] if "--marker" in argv else "none"
    once = "--once" in argv
    fd_in, fd_out = take_protocol_fds()
    proto = Protocol(fd_in, fd_out, marker)

    try:
        handle = load_handler(handler_path)
    except BaseException as e:  # a SyntaxError or SystemExit at import must still be reported
        print_exc()
        proto.end_log(0)
        proto.write({"type": "fatal", "message": "cannot load handler: " + format_exception(e)})
        return 1
    proto.end_log(0)
    proto.write({"type": "ready", "pid": os.getpid(), "runtime": "python %d.%d" % sys.version_info[:2]})

    while True:
        header, body = proto.read()
        if header is None:
            return 0
        seq = header.get("seq", 0)
        try:
            out, content_type = run_job(handle, header, body)
            max_size = header.get("maxSize")
            if max_size is not None and len(out) > max_size:
                raise ValueError("result of %d bytes exceeds the limit of %d bytes" % (len(out), max_size))
            reply = {"type": "result", "seq": seq, "ok": True, "contentType": content_type}
        except Exception as e:
            print_exc()
            out = b""
            reply = {"type": "result", "seq": seq, "ok": False, "kind": "exception", "message": format_exception(e)}
        proto.end_log(seq)
        proto.write(reply, out)
        if once:
            return 0


def print_exc():
    kind, error, _ = sys.exc_info()
    try:
        import traceback

        traceback.print_exc()
    except Exception:  # a handler's module shadowing one traceback needs must not hide the error
        sys.stderr.write("%s: %s\n" % (kind.__name__, error))


def format_exception(e):
    try:
        import traceback

        return "".join(traceback.format_exception_only(type(e), e)).strip()
    except Exception:
        return "%s: %s" % (type(e).__name__, e)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
