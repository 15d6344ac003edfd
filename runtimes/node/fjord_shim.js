'use strict';
// Fjord's node shim: loads a function's handler and runs jobs sent over the shim protocol.
//
// Usage (the runner starts it so): sh -c 'exec 3>&1 4<&0 1>&2 0</dev/null; exec "$@"' _ node fjord_shim.js HANDLER.js --marker NONCE [--once]
//
// Node cannot dup file descriptors, so the shell has already moved the protocol to fd 3 (out) and
// fd 4 (in), pointed fd 1 at stderr and fd 0 at /dev/null: console.log and any child process the
// handler starts write into the job's log, never into the protocol or the result.
// See ../PROTOCOL.md for the frames.

const fs = require('fs');
const net = require('net');
const path = require('path');

const PROTO_OUT = 3;
const PROTO_IN = 4;

const argv = process.argv.slice(2);
const handlerPath = path.resolve(argv[0] || '');
const markerAt = argv.indexOf('--marker');
const marker = markerAt >= 0 ? argv[markerAt + 1] : 'none';
const once = argv.includes('--once');

function writeAll(fd, buffer) {
    let offset = 0;
    while (offset < buffer.length) {
        try {
            offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
        } catch (e) {
            if (e.code !== 'EAGAIN') throw e;
        }
    }
}

function send(header, body) {
    body = body || Buffer.alloc(0);
    header.size = body.length;
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(json.length, 0);
    writeAll(PROTO_OUT, Buffer.concat([prefix, json, body]));
}

// Ends a job's log: everything on stderr before this line belongs to job seq. process.stdout and
// process.stderr are synchronous for pipes on Linux, so all console output is already written.
function endLog(seq) {
    writeAll(2, Buffer.from(`\x1efjord-end:${marker}:${seq}\n`, 'ascii'));
}

function describe(e) {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
}

function encode(result) {
    if (Buffer.isBuffer(result)) return [result, 'application/octet-stream'];
    if (result instanceof Uint8Array) return [Buffer.from(result.buffer, result.byteOffset, result.byteLength), 'application/octet-stream'];
    if (typeof result === 'string') return [Buffer.from(result, 'utf8'), 'text/plain; charset=utf-8'];
    const json = JSON.stringify(result === undefined ? null : result);
    return [Buffer.from(json, 'utf8'), 'application/json'];
}

async function loadHandler() {
    let mod;
    try {
        mod = require(handlerPath);
    } catch (e) {
        if (e && e.code === 'ERR_REQUIRE_ESM') {
            mod = await import(require('url').pathToFileURL(handlerPath).href);
        } else {
            throw e;
        }
    }
    const handle = typeof mod === 'function' ? mod : (mod && (mod.handle || (mod.default && mod.default.handle) || mod.default));
    if (typeof handle !== 'function') throw new Error(`${handlerPath} exports no handle(payload, context) function`);
    return handle;
}

// Splits the protocol stream into frames: 4-byte big-endian header length, JSON header, body.
function frames(stream, onFrame) {
    let pending = Buffer.alloc(0);
    let busy = Promise.resolve();
    stream.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
            if (pending.length < 4) return;
            const headerLength = pending.readUInt32BE(0);
            if (pending.length < 4 + headerLength) return;
            const header = JSON.parse(pending.subarray(4, 4 + headerLength).toString('utf8'));
            const size = header.size || 0;
            if (pending.length < 4 + headerLength + size) return;
            const body = Buffer.from(pending.subarray(4 + headerLength, 4 + headerLength + size));
            pending = pending.subarray(4 + headerLength + size);
            // One job at a time, in order: the runner never sends the next before the answer.
            busy = busy.then(() => onFrame(header, body));
        }
    });
    stream.on('end', () => busy.then(() => process.exit(0)));
}

async function runJob(handle, header, body) {
    process.env.FJORD_JOB_ID = String(header.id ?? '');
    process.env.FJORD_ATTEMPT = String(header.attempt ?? '');
    for (const [key, name] of [['TRACEPARENT', 'traceparent'], ['TRACESTATE', 'tracestate']]) {
        if (header[name]) process.env[key] = header[name];
        else delete process.env[key];
    }
    // traceparent/tracestate: the attempt's W3C trace context, for the handler's own spans.
    const context = {
        jobId: header.id, function: header.function, attempt: header.attempt, contentType: header.contentType,
        traceparent: header.traceparent ?? null, tracestate: header.tracestate ?? null,
        // What made the job: { kind: 'http'|'schedule'|'amqp', name, context }.
        trigger: header.trigger ?? { kind: 'http' },
    };
    const seq = header.seq || 0;
    let reply;
    let out = Buffer.alloc(0);
    try {
        const [bytes, contentType] = encode(await handle(body, context));
        if (header.maxSize != null && bytes.length > header.maxSize) {
            throw new Error(`result of ${bytes.length} bytes exceeds the limit of ${header.maxSize} bytes`);
        }
        out = bytes;
        reply = { type: 'result', seq, ok: true, contentType };
    } catch (e) {
        process.stderr.write((e && e.stack ? e.stack : describe(e)) + '\n');
        reply = { type: 'result', seq, ok: false, kind: 'exception', message: describe(e) };
    }
    endLog(seq);
    send(reply, out);
    if (once) process.exit(0);
}

async function main() {
    let handle;
    try {
        handle = await loadHandler();
    } catch (e) {
        process.stderr.write((e && e.stack ? e.stack : describe(e)) + '\n');
        endLog(0);
        send({ type: 'fatal', message: 'cannot load handler: ' + describe(e) });
        process.exit(1);
    }
    endLog(0);
    send({ type: 'ready', pid: process.pid, runtime: `node ${process.versions.node}` });
    const input = new net.Socket({ fd: PROTO_IN, readable: true, writable: false });
    frames(input, (header, body) => (header.type === 'job' ? runJob(handle, header, body) : undefined));
}

// A rejection the handler forgot to await must not kill the process that serves the next job.
process.on('unhandledRejection', (reason) => {
    process.stderr.write('unhandled rejection: ' + (reason && reason.stack ? reason.stack : String(reason)) + '\n');
});

main();
