// Reads a duration in milliseconds ("90000") or words ("2 days") and answers both forms, with the
// npm package `ms`. `fjord deploy` runs `npm ci --omit=dev` on the deploying machine and packs
// node_modules into the bundle: the nodes need no npm and no internet.
const ms = require('ms');

exports.handle = async function handle(payload, context) {
    const text = payload.toString('utf8').trim();
    const millis = /^\d+$/.test(text) ? Number(text) : ms(text);
    if (typeof millis !== 'number' || Number.isNaN(millis)) throw new Error(`'${text}' is not a duration`);
    console.log(`job ${context.jobId}: ${text} = ${millis} ms`);
    return { ms: millis, short: ms(millis), long: ms(millis, { long: true }) };
};
