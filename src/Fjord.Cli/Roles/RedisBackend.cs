using Fjord.Cli.Up;
using Fjord.Core.Queue;
using Fjord.Storage.Redis;
using Microsoft.Extensions.Logging;

namespace Fjord.Cli.Roles;

/// <summary>
/// `--backend redis://…` (or $FJORD_BACKEND): the whole cluster backend on one Redis server, in
/// place of RabbitMQ + PostgreSQL. The store refuses to open on a server that would not keep an
/// acknowledged job (see Fjord.Storage.Redis.ServerCheck).
/// </summary>
internal static class RedisBackend
{
    public static async Task<RedisStore> OpenAsync(RoleArguments args, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        try
        {
            return await RedisStore.OpenAsync(new RedisStoreOptions
            {
                ConnectionString = args.Backend!,
                LeaseDuration = Tuning.LeaseDuration,
                AllowUnsafeDurability = args.Redis.UnsafeDurability,
                MaxBodyBytes = args.Redis.MaxBodyBytes,
                Replicas = args.Redis.Replicas,
                ReplicaTimeout = args.Redis.ReplicaTimeout ?? TimeSpan.FromSeconds(1),
                TlsCaFile = Environment.GetEnvironmentVariable("FJORD_REDIS_CA") is { Length: > 0 } ca ? ca : null,
                LoggerFactory = loggerFactory,
            }, cancellationToken);
        }
        catch (StoreUnavailableException e)
        {
            throw CliException.Failed(e.Message);
        }
        catch (UnsafeServerException e)
        {
            throw new CliException(ExitCodes.BackendUnsafe, e.Message);
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage(e.Message);
        }
    }
}
