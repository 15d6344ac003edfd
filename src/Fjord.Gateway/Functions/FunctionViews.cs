using Fjord.Core.Storage;
using Fjord.Gateway.Json;

namespace Fjord.Gateway.Functions;

/// <summary>Joins a stored function with the live state of this node's pool (when a worker runs here).</summary>
internal sealed class FunctionViews(IWorkerStatus? workers)
{
    /// <summary>What keys without the deploy scope see instead of each env value (the names stay visible).</summary>
    public const string MaskedValue = "***";

    /// <param name="maskEnv">True for a key that may read but not deploy: env values are configuration, often credentials.</param>
    public FunctionView From(FunctionState state, bool maskEnv = false)
    {
        var spec = state.Spec.ToDocument();
        if (maskEnv && spec.Env is { } env)
            spec.Env = env.ToDictionary(e => e.Key, _ => MaskedValue, StringComparer.Ordinal);
        // A trigger URL's password is never shown, not even to deploy keys (a secret name is).
        foreach (var trigger in spec.Triggers ?? [])
        {
            if (trigger.Amqp is { Url: { } url } amqp)
                amqp.Url = Fjord.Core.Functions.AmqpTrigger.Masked(url);
        }
        PoolStatus? pool = null;
        if (workers is not null && workers.Pools.TryGetValue(state.Spec.Name, out var p))
            pool = p;
        return new FunctionView
        {
            Name = state.Spec.Name,
            Spec = spec,
            Paused = state.Paused,
            UpdatedAt = state.UpdatedAt,
            Workers = pool?.Workers ?? 0,
            Busy = pool?.Busy ?? 0,
            // No pool here is not a fault (the function may run on other nodes): healthy unless a pool says otherwise.
            Healthy = pool?.Healthy ?? true,
            Problem = pool?.Problem,
        };
    }
}
