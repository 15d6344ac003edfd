using System.Collections.Concurrent;
using Fjord.Gateway.Metrics;
using Prometheus;

namespace Fjord.Gateway.Auth;

/// <summary>
/// <c>fjord_key_rate_limited_total{key}</c>: requests answered 429 because their key was over its
/// rate. Labelled by key id, which only exists for keys that authenticated (bounded by the store).
/// </summary>
internal sealed class KeyMetrics(GatewayMetrics metrics)
{
    private readonly Counter _limited = Prometheus.Metrics.WithCustomRegistry(metrics.Registry)
        .CreateCounter("fjord_key_rate_limited_total", "Requests refused with 429 because their API key was over its rate limit (on this gateway).", "key");

    private readonly ConcurrentDictionary<string, Counter.Child> _byKey = new(StringComparer.Ordinal);

    public void RateLimited(string keyId) => _byKey.GetOrAdd(keyId, _limited.WithLabels(keyId)).Inc();
}
