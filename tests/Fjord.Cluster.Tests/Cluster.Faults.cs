using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>
/// The faults the cluster tests inject, the same on RabbitMQ + PostgreSQL and on Redis: a worker
/// SIGKILLed while it holds jobs, and the backend's server killed and started again under load.
/// </summary>
internal sealed partial class Cluster
{
    /// <summary>The backend's server as scripts/services.sh names it (kill-broker, start-redis, ...).</summary>
    private string Server => _redis is null ? "broker" : "redis";

    /// <summary>Submits one job per payload and returns their ids; a 503 fails the test (the backend is up).</summary>
    public async Task<List<string>> SubmitEachAsync(string function, IEnumerable<string> payloads)
    {
        var ids = new List<string>();
        foreach (var payload in payloads)
            ids.Add(await SubmitAsync(function, payload) ?? throw new InvalidOperationException($"503 with {(_redis is null ? "the broker" : "Redis")} up"));
        return ids;
    }

    /// <summary>Running jobs of <paramref name="function"/> that <paramref name="node"/> holds, read from the store.</summary>
    public async Task<long> RunningAsync(string function, string node) =>
        _redis is null
            ? await CountAsync($"SELECT count(*) FROM jobs WHERE status = 2 AND function = '{function}' AND node = '{node}'")
            : await RedisRunningAsync(function, node);

    /// <summary>
    /// Waits (up to 60 s) until <paramref name="worker"/> runs a job of <paramref name="function"/>,
    /// SIGKILLs it, and returns how many it held when it died; fails the test when it held none.
    /// </summary>
    public async Task<long> SigKillWhileItRunsAsync(NodeProcess worker, string function)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (await RunningAsync(function, worker.Name) == 0 && DateTime.UtcNow < until)
            await Task.Delay(50);
        worker.SigKill();
        await worker.WaitForExitAsync();
        // Read after the kill (and after any statement it had already sent has had time to commit):
        // the worker can finish nothing more, so these are exactly the attempts it held, leased with
        // their messages unacked, when it died. Their 3 s leases have not run out yet.
        await Task.Delay(300);
        var held = await RunningAsync(function, worker.Name);
        Assert.True(held > 0, $"{worker.Name} held no job when it was killed");
        return held;
    }

    /// <summary>
    /// Kills the backend's server and checks that intake refuses while it is down (five 503s
    /// within 30 s, no job accepted meanwhile, /readyz failing); then starts it again, waits up to
    /// 60 s for /readyz and submits 30 more jobs of <paramref name="function"/>, adding the ids of
    /// those accepted to <paramref name="accepted"/>. The server is started again even when a
    /// check fails: the tests after this one share it.
    /// </summary>
    public async Task KillAndRestartServerAsync(string function, List<string> accepted)
    {
        var before = accepted.Count;
        Services.Run("kill-" + Server, Services.Dir);
        var restarted = false;
        try
        {
            var refused = 0;
            var until = DateTime.UtcNow.AddSeconds(30);
            while (refused < 5 && DateTime.UtcNow < until)
            {
                if (await SubmitAsync(function, "while down") is { } id)
                    accepted.Add(id);
                else
                    refused++;
            }
            Assert.Equal(5, refused);
            Assert.Equal(before, accepted.Count);
            Assert.False(await ReadyAsync());

            Services.Run("start-" + Server, Services.Dir);
            restarted = true;
            until = DateTime.UtcNow.AddSeconds(60);
            while (!await ReadyAsync() && DateTime.UtcNow < until)
                await Task.Delay(250);
            for (var i = 0; i < 30; i++)
            {
                if (await SubmitAsync(function, $"after {i}") is { } id)
                    accepted.Add(id);
            }
        }
        finally
        {
            // Never leave the shared server down for the tests after this one.
            if (!restarted)
                Services.Run("start-" + Server, Services.Dir);
        }
    }
}
