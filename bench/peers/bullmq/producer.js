// Enqueues JOBS jobs into QUEUE with up to 1,000 adds in flight (an async client, like the
// peers' table in PEERS.md), then prints {"start": ms, "end": ms} in epoch milliseconds.
const { Queue } = require("bullmq");

const [queueName, jobs, port] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const payload = { id: 12345, kind: "noop", data: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab" };
const now = () => performance.timeOrigin + performance.now();

async function main() {
    const queue = new Queue(queueName, { connection: { host: "127.0.0.1", port } });
    await queue.waitUntilReady();
    let next = 0;
    const lane = async () => {
        while (next < jobs) {
            next++;
            await queue.add("noop", payload);
        }
    };
    const start = now();
    await Promise.all(Array.from({ length: 1000 }, lane));
    const end = now();
    await queue.close();
    console.log(JSON.stringify({ start, end }));
}

main().catch((e) => { console.error(e); process.exit(1); });
