using System.CommandLine;
using Fjord.Core.Functions;
using Fjord.Storage.Redis;

namespace Fjord.Cli.Commands;

/// <summary>How a node uses its Redis backend: durability waiver, body cap, replicas to wait for.</summary>
internal sealed record RedisSettings(bool UnsafeDurability = false, long MaxBodyBytes = RedisStoreOptions.DefaultMaxBodyBytes, int Replicas = 0, TimeSpan? ReplicaTimeout = null);

/// <summary>The `--redis-*` flags of `fjord gateway` and `fjord worker` (they mean something only with `--backend redis://…`).</summary>
internal sealed class RedisBackendOptions
{
    private readonly Option<bool> _unsafe = new("--redis-unsafe-durability")
    {
        Description = "Start on a Redis without appendonly yes + appendfsync always (an accepted job may be lost in a crash; docs/deploy.md)",
    };

    private readonly Option<string?> _maxBody = new("--redis-max-body")
    {
        Description = $"Most bytes one payload or result may take in Redis, compressed (default {Quantity.FormatBytes(RedisStoreOptions.DefaultMaxBodyBytes)}): a payload beyond is refused (413), a result beyond fails its job",
    };

    private readonly Option<int> _replicas = new("--redis-replicas")
    {
        Description = "Answer 202 only after this many Redis replicas acknowledge the job (WAIT; default 0); fewer in time: 503",
    };

    private readonly Option<string?> _replicaTimeout = new("--redis-replica-timeout")
    {
        Description = "How long intake waits for --redis-replicas (default 1s)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_unsafe);
        command.Options.Add(_maxBody);
        command.Options.Add(_replicas);
        command.Options.Add(_replicaTimeout);
    }

    /// <summary>The flags' values; a bad one is a usage error.</summary>
    public RedisSettings Read(ParseResult result)
    {
        var maxBody = RedisStoreOptions.DefaultMaxBodyBytes;
        if (result.GetValue(_maxBody) is { } size && (!Quantity.TryParseBytes(size, out maxBody) || maxBody < 1024))
            throw CliException.Usage($"--redis-max-body must be a size of at least 1Ki, like 512Ki or 4Mi, not '{size}'");
        var replicas = result.GetValue(_replicas);
        if (replicas < 0)
            throw CliException.Usage($"--redis-replicas must be 0 or more, not {replicas}");
        TimeSpan? timeout = null;
        if (result.GetValue(_replicaTimeout) is { } text)
        {
            if (!Quantity.TryParseDuration(text, out var span) || span <= TimeSpan.Zero)
                throw CliException.Usage($"--redis-replica-timeout must be a duration like 500ms or 2s, not '{text}'");
            timeout = span;
        }
        return new RedisSettings(result.GetValue(_unsafe), maxBody, replicas, timeout);
    }
}
