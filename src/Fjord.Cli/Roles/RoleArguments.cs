namespace Fjord.Cli.Roles;

/// <summary>
/// Arguments of `fjord gateway` and `fjord worker`, parsed by the command line layer.
/// Broker: <c>amqp://user:pass@host:port/vhost</c>. Store: <c>postgres://user:pass@host:port/db</c>
/// or an Npgsql <c>Host=…</c> string. Port is the gateway's HTTP port (unused by a worker).
/// Node and Functions apply to a worker. DataDir holds the admin key (gateway) or unpacked
/// bundles and function temp folders (worker). Host is the address the gateway listens on.
/// MetricsPort/MetricsHost: a worker's own /metrics and /healthz.
/// </summary>
internal sealed record RoleArguments(
    string Broker,
    string Store,
    int Port,
    string? Node,
    IReadOnlySet<string>? Functions,
    string DataDir,
    string Host = "0.0.0.0")
{
    /// <summary>A worker's /metrics and /healthz port (--metrics-port); null serves none.</summary>
    public int? MetricsPort { get; init; }

    /// <summary>The address the worker's metrics port listens on (--metrics-host, default 127.0.0.1).</summary>
    public string MetricsHost { get; init; } = "127.0.0.1";

    /// <summary>Callback allowlist (gateway) and bundle unpack limit (both).</summary>
    public Commands.SurfaceSettings Surface { get; init; } = Commands.SurfaceSettings.Default;

    /// <summary>The gateway's rate limit for keys that have none (`--key-rate-limit`); null: none.</summary>
    public Fjord.Core.Storage.KeyRateLimit? KeyRateLimit { get; init; }

    /// <summary>Sandbox flags (worker) and deploy caps (gateway).</summary>
    public Up.SandboxArguments Sandbox { get; init; } = new();

    /// <summary>`--backend redis://…`: one Redis server in place of the broker and store (both then empty).</summary>
    public string? Backend { get; init; }

    /// <summary>The `--redis-*` flags: `--redis-unsafe-durability` (documented loss window), body cap, replicas to wait for.</summary>
    public Commands.RedisSettings Redis { get; init; } = new();
}
