using Fjord.Core.Nodes;
using Fjord.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Fjord.Cli.Roles;

/// <summary>Starts this process's heartbeat (`fjord up`, `fjord gateway`, `fjord worker` alike).</summary>
internal static class NodeReporting
{
    public static NodeHeartbeat Start(INodeStore store, string id, string role, string dataDir, IWorkerStatus? workers, ILoggerFactory loggerFactory,
        Fjord.Runtime.InterpreterVersions? interpreters = null)
    {
        var options = new NodeHeartbeatOptions
        {
            Id = id,
            Role = role,
            DataDir = dataDir,
            StealWarning = NodeHeartbeat.ParseThreshold(Environment.GetEnvironmentVariable("FJORD_STEAL_WARNING")) ?? 0.05,
            ImageCacheBytes = workers is Fjord.Worker.WorkerHost host ? () => host.ImageCacheBytes : null,
            Runtimes = workers is null || interpreters is null ? null : () => interpreters.Found,
            StandingWarnings = store is Fjord.Storage.Redis.RedisStore redis ? redis.StartWarnings : [],
            Slots = workers is null ? null : () => [.. workers.Pools.Select(p => new SlotFigures(p.Key, p.Value.Busy, p.Value.Workers) { Desired = p.Value.Desired, Reason = p.Value.Reason }).OrderBy(s => s.Function, StringComparer.Ordinal)],
        };
        var heartbeat = new NodeHeartbeat(store, options, loggerFactory.CreateLogger("Fjord.Nodes"));
        heartbeat.Start();
        return heartbeat;
    }
}
