// Runs the measurements of PEERS.md against the Redis on PORT and prints two JSON lines, BullMQ
// with its processor in process and with a sandboxed processor (child processes):
//   enqueue: the producer alone into an empty queue;
//   e2e:     the worker idle first, then the producer floods; first enqueue to last completion.
const { spawn } = require("node:child_process");
const readline = require("node:readline");

const [jobs, port] = [Number(process.argv[2]), process.argv[3]];

const children = [];

// Starts a script; the returned function resolves with its next line of output.
function start(script, args) {
    const child = spawn(process.execPath, [`${__dirname}/${script}`, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return async () => {
        const { value, done } = await lines.next();
        if (done) throw new Error(`${script} ended without output`);
        return value;
    };
}

// The worker idle first, then the producer floods QUEUE; first enqueue to last completion.
async function endToEnd(queue, mode) {
    const worker = start("worker.js", [queue, jobs, port, mode]);
    await worker(); // "ready": connected and waiting for jobs
    const flood = JSON.parse(await start("producer.js", [queue, jobs, port])());
    const last = JSON.parse(await worker());
    return { e2e_per_s: Math.round(jobs / ((last.last - flood.start) / 1000)), worker_rss_mb: last.rss_mb };
}

async function main() {
    const enqueue = JSON.parse(await start("producer.js", ["enqueue", jobs, port])());
    const enqueuePerS = Math.round(jobs / ((enqueue.end - enqueue.start) / 1000));
    const settings = "BullMQ 6.7.0 on Redis 7, AOF everysec, add() with 1000 in flight, worker concurrency 8";

    console.log(JSON.stringify({ peer: "bullmq", settings, jobs, enqueue_per_s: enqueuePerS, ...await endToEnd("e2e", "inproc") }));
    // Sandboxed processors: each job runs in a child process (forked once, reused), as Fjord
    // runs each in a function process; the enqueue side is the same.
    console.log(JSON.stringify({
        peer: "bullmq-sandboxed",
        settings: settings + ", sandboxed processor (child processes)",
        jobs,
        enqueue_per_s: enqueuePerS,
        ...await endToEnd("e2e-sandboxed", "sandboxed"),
    }));
}

main().catch((e) => {
    // ioredis reconnects forever: a worker left behind would outlive the Redis run.sh stops.
    children.forEach((child) => child.kill());
    console.error(e);
    process.exit(1);
});
