// Upper-cases the payload and reports its length; console.log goes to the job's log.
exports.handle = async function handle(payload, context) {
    const text = payload.toString("utf8");
    console.log(`job ${context.jobId}: ${text.length} bytes`);
    return { upper: text.toUpperCase(), length: text.length };
};
