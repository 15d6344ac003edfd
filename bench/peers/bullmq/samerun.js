// BullMQ against the Redis of Fjord's own `--only redis` run (bench/Fjord.Bench/RedisGroup.cs), so
// both are measured on one server in one run: `node samerun.js JOBS WARM PORT`, credentials in
// FJORD_PEER_REDIS_USER / FJORD_PEER_REDIS_PASS. A sandboxed worker (a child process per slot, as
// Fjord runs each job in a function process) at concurrency 8 takes WARM jobs first; then this
// prints "ready" and waits for "go" on stdin, so the caller measures CPU over the JOBS alone:
// added from here with 1,000 in flight, first add to last completion; then one JSON line, and
// it exits when stdin closes.
const { spawn } = require("node:child_process");
const readline = require("node:readline");
const { flood } = require("./producer.js");

const [jobs, warm, port] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const connection = { host: "127.0.0.1", port, username: process.env.FJORD_PEER_REDIS_USER, password: process.env.FJORD_PEER_REDIS_PASS };

async function main() {
    const child = spawn(process.execPath, [`${__dirname}/worker.js`, "samerun", String(warm + jobs), String(port), "sandboxed", String(warm)],
        { stdio: ["ignore", "pipe", "inherit"] });
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
        const { value, done } = await lines.next();
        if (done) throw new Error("worker.js ended without output");
        return value;
    };
    const exited = new Promise((resolve) => child.on("exit", resolve));
    try {
        await next(); // "ready"
        await flood("samerun", warm, connection);
        await next(); // {"mark": …}: the warm-up's jobs are done
        console.log("ready");
        const input = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
        await input.next(); // "go"
        const { start } = await flood("samerun", jobs, connection);
        const { last } = JSON.parse(await next());
        // The worker closes itself (and its processor children) after the last job: reaped
        // before the figures are printed, their CPU is in this process's while the caller reads it.
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10000))]);
        console.log(JSON.stringify({ peer: "bullmq-sandboxed", jobs, seconds: (last - start) / 1000 }));
        await input.next(); // stdin closed: the caller has read the CPU figures
    } finally {
        child.kill();
    }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
