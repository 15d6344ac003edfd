// A BullMQ worker at concurrency 8 with a no-op processor, in process, or with MODE "sandboxed"
// in child processes BullMQ forks and reuses (processor.js). Prints "ready" once connected, then
// {"last": ms} (epoch milliseconds) when JOBS jobs have completed.
const { Worker } = require("bullmq");

const [queueName, jobs, port, mode] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const now = () => performance.timeOrigin + performance.now();

async function main() {
    let done = 0;
    const processor = mode === "sandboxed" ? `${__dirname}/processor.js` : async () => {};
    const worker = new Worker(queueName, processor, { connection: { host: "127.0.0.1", port }, concurrency: 8 });
    worker.on("completed", async () => {
        if (++done === jobs) {
            console.log(JSON.stringify({ last: now(), rss_mb: Math.round(process.memoryUsage().rss / 1048576) }));
            await worker.close();
        }
    });
    await worker.waitUntilReady();
    console.log("ready");
}

main().catch((e) => { console.error(e); process.exit(1); });
