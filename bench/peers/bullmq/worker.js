// A BullMQ worker at concurrency 8 with a no-op processor, in process, or with MODE "sandboxed"
// in child processes BullMQ forks and reuses (processor.js). Prints "ready" once connected, then
// {"last": ms} (epoch milliseconds) when JOBS jobs have completed; with MARK also {"mark": ms} when
// MARK have (samerun.js: the end of its warm-up).
const { Worker } = require("bullmq");

const [queueName, jobs, port, mode, mark] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5], Number(process.argv[6] || 0)];
const now = () => performance.timeOrigin + performance.now();

async function main() {
    let done = 0;
    const processor = mode === "sandboxed" ? `${__dirname}/processor.js` : async () => {};
    const worker = new Worker(queueName, processor, {
        connection: { host: "127.0.0.1", port, username: process.env.FJORD_PEER_REDIS_USER, password: process.env.FJORD_PEER_REDIS_PASS },
        concurrency: 8,
    });
    worker.on("completed", async () => {
        if (++done === mark) console.log(JSON.stringify({ mark: now() }));
        if (done === jobs) {
            console.log(JSON.stringify({ last: now(), rss_mb: Math.round(process.memoryUsage().rss / 1048576) }));
            await worker.close();
        }
    });
    await worker.waitUntilReady();
    console.log("ready");
}

main().catch((e) => { console.error(e); process.exit(1); });
