// The no-op processor BullMQ runs in a child process of its own (a "sandboxed processor"): the
// peer that, like Fjord, crosses a process boundary for every job.
module.exports = async () => {};
