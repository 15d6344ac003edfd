// Enqueues JOBS jobs into QUEUE with up to 1,000 adds in flight (an async client, like the
// peers' table in PEERS.md), then prints {"start": ms, "end": ms} in epoch milliseconds.
const { Queue } = require("bullmq");

const [queueName, jobs, port] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const payload = { id: 12345, kind: "noop", data: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab" };
// FJORD_PEER_REDIS_USER / _PASS: a server with ACL users (the bench's own Redis, samerun.js); from
// the environment, never argv.
const connection = { host: "127.0.0.1", port, username: process.env.FJORD_PEER_REDIS_USER, password: process.env.FJORD_PEER_REDIS_PASS };
const now = () => performance.timeOrigin + performance.now();

async function flood(name, count, redis = connection) {
    const queue = new Queue(name, { connection: redis });
    await queue.waitUntilReady();
    let next = 0;
    const lane = async () => {
        while (next++ < count) await queue.add("noop", payload);
    };
    const start = now();
    await Promise.all(Array.from({ length: 1000 }, lane));
    const end = now();
    await queue.close();
    return { start, end };
}

async function main() {
    // Warm-up into a queue no worker reads: V8 optimises the add path over the first thousands of
    // calls (Fjord's own benchmark warms up the same way).
    await flood("warmup", 2000);
    console.log(JSON.stringify(await flood(queueName, jobs)));
}

module.exports = { flood };

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
