// Runs the two measurements of PEERS.md against the Redis on PORT and prints one JSON line:
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

async function main() {
    const enqueue = JSON.parse(await start("producer.js", ["enqueue", jobs, port])());

    const worker = start("worker.js", ["e2e", jobs, port]);
    await worker(); // "ready": connected and waiting for jobs
    const flood = JSON.parse(await start("producer.js", ["e2e", jobs, port])());
    const last = JSON.parse(await worker());

    console.log(JSON.stringify({
        peer: "bullmq",
        settings: "BullMQ 6.7.0 on Redis 7, AOF everysec, add() with 1000 in flight, worker concurrency 8",
        jobs,
        enqueue_per_s: Math.round(jobs / ((enqueue.end - enqueue.start) / 1000)),
        e2e_per_s: Math.round(jobs / ((last.last - flood.start) / 1000)),
        worker_rss_mb: last.rss_mb,
    }));
}

main().catch((e) => {
    // ioredis reconnects forever: a worker left behind would outlive the Redis run.sh stops.
    children.forEach((child) => child.kill());
    console.error(e);
    process.exit(1);
});
