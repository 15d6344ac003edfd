using System.CommandLine;
using Fjord.Cli.Roles;

namespace Fjord.Cli.Commands;

/// <summary>`fjord gateway` and `fjord worker`: the roles of a many-node setup over RabbitMQ and PostgreSQL.</summary>
internal static class RoleCommands
{
    public static Command Gateway(CliConsole console)
    {
        var (broker, store, data) = Common();
        var port = new Option<int>("--port", "-p") { Description = $"HTTP port (default {Defaults.Port})", DefaultValueFactory = _ => Defaults.Port };
        var host = new Option<string>("--host") { Description = "Address to listen on (default 0.0.0.0)", DefaultValueFactory = _ => "0.0.0.0" };
        var callbackAllow = SurfaceOptions.CallbackAllow();
        var maxBundleUnpacked = SurfaceOptions.MaxBundleUnpacked();
        var keyRate = KeyRateLimitOption();
        var command = new Command("gateway", "Gateway role only: HTTP intake and the API, over RabbitMQ and PostgreSQL (or Redis: --backend)") { broker, store, port, host, data, callbackAllow, maxBundleUnpacked, keyRate };
        var (backend, redis) = BackendOptions(command);
        var retention = SurfaceOptions.Retention();
        command.Options.Add(retention);
        var maxImageSize = SurfaceOptions.MaxImageSize();
        command.Options.Add(maxImageSize);
        var sandbox = new SandboxCommandLine();
        sandbox.AddTo(command, runsFunctions: false, validatesDeploys: true);
        command.SetAction((r, ct) => GatewayRole.RunAsync(
            WithBackend(r, backend, redis, broker, store, console, (b, s) => new RoleArguments(b, s, r.GetValue(port), null, null, console.ResolvePath(r.GetValue(data)!), r.GetValue(host)!))
            with
            {
                Surface = SurfaceOptions.Read(r, callbackAllow, maxBundleUnpacked) with
                {
                    Retention = SurfaceOptions.ReadRetention(r, retention),
                    MaxImageBytes = SurfaceOptions.ReadMaxImageSize(r, maxImageSize),
                },
                KeyRateLimit = KeyRateText.Parse(r.GetValue(keyRate), "--key-rate-limit"),
                Sandbox = sandbox.Parse(r),
            }, ct));
        return command;
    }

    public static Command Worker(CliConsole console)
    {
        var (broker, store, data) = Common();
        var functions = new Option<string?>("--functions") { Description = "Comma-separated functions to run here (default: every deployed function)" };
        var node = new Option<string?>("--node") { Description = "This node's name in job records (default: host name plus a short suffix)" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve this worker's /metrics and /healthz on this port (default: none)" };
        metricsPort.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } p && (p < 1 || p > 65535))
                r.AddError($"--metrics-port {p} is not a port (1-65535)");
        });
        var metricsHost = new Option<string>("--metrics-host") { Description = "Address the metrics port listens on (default 127.0.0.1)", DefaultValueFactory = _ => "127.0.0.1" };
        var maxBundleUnpacked = SurfaceOptions.MaxBundleUnpacked();
        var command = new Command("worker", "Worker role only: runs function pools on this node") { broker, store, functions, node, data, maxBundleUnpacked, metricsPort, metricsHost };
        var (backend, redis) = BackendOptions(command);
        var sandbox = new SandboxCommandLine();
        sandbox.AddTo(command, runsFunctions: true, validatesDeploys: false);
        command.SetAction((r, ct) =>
        {
            var only = r.GetValue(functions)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            if (!System.Net.IPAddress.TryParse(r.GetValue(metricsHost), out _))
                throw CliException.Usage($"--metrics-host '{r.GetValue(metricsHost)}' is not an IP address");
            return WorkerRole.RunAsync(
                WithBackend(r, backend, redis, broker, store, console, (b, s) => new RoleArguments(b, s, 0, r.GetValue(node), only is { Count: > 0 } ? only : null, console.ResolvePath(r.GetValue(data)!)))
                with
                {
                    MetricsPort = r.GetValue(metricsPort),
                    MetricsHost = r.GetValue(metricsHost)!,
                    Surface = SurfaceOptions.Read(r, null, maxBundleUnpacked),
                    Sandbox = sandbox.Parse(r),
                }, ct);
        });
        return command;
    }

    private static (Option<string?> Broker, Option<string?> Store, Option<string> Data) Common() => (
        new Option<string?>("--broker") { Description = "RabbitMQ URI: amqp[s]://user:pass@host:5672/vhost (better: $FJORD_BROKER or $FJORD_BROKER_FILE, not shown by ps)" },
        new Option<string?>("--store") { Description = "PostgreSQL: postgres://user:pass@host:5432/db or Host=…;Username=… (better: $FJORD_STORE or $FJORD_STORE_FILE)" },
        new Option<string>("--data") { Description = $"Local folder for the admin key, bundles and temp files (default {Defaults.DataDir})", DefaultValueFactory = _ => Defaults.DataDir });

    /// <summary>`--backend redis://…` and the `--redis-*` flags, added to a role's command.</summary>
    private static (Option<string?> Backend, RedisBackendOptions Redis) BackendOptions(Command command)
    {
        var backend = new Option<string?>("--backend") { Description = "Redis in place of --broker and --store: redis[s]://user:pass@host:6379/0 (better: $FJORD_BACKEND or $FJORD_BACKEND_FILE)" };
        var redis = new RedisBackendOptions();
        command.Options.Add(backend);
        redis.AddTo(command);
        return (backend, redis);
    }

    /// <summary>The role's arguments over Redis when a backend is named, else over the broker and the store.</summary>
    private static RoleArguments WithBackend(ParseResult r, Option<string?> backend, RedisBackendOptions redis, Option<string?> broker, Option<string?> store, CliConsole console, Func<string, string, RoleArguments> make)
    {
        if (ConnectionSetting.TryResolve(r.GetValue(backend), "FJORD_BACKEND", console.GetEnvironment) is not { } uri)
            return make(Broker(r, broker, console), Store(r, store, console));
        if (!Fjord.Storage.Redis.RedisUri.IsRedis(uri))
            throw CliException.Usage("--backend takes a redis:// or rediss:// URI (for RabbitMQ + PostgreSQL use --broker and --store)");
        return make("", "") with { Backend = uri, Redis = redis.Read(r) };
    }

    private static string Broker(ParseResult result, Option<string?> option, CliConsole console) =>
        ConnectionSetting.Resolve(result.GetValue(option), option.Name, "FJORD_BROKER", console.GetEnvironment);

    private static string Store(ParseResult result, Option<string?> option, CliConsole console) =>
        ConnectionSetting.Resolve(result.GetValue(option), option.Name, "FJORD_STORE", console.GetEnvironment);

    /// <summary>`--key-rate-limit` of `fjord up` and `fjord gateway`: the limit of keys created without one. Off by default.</summary>
    internal static Option<string?> KeyRateLimitOption()
    {
        var option = new Option<string?>("--key-rate-limit") { Description = "Rate limit per gateway for API keys that have none: " + KeyRateText.Help + " (default: none)" };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && !KeyRateText.TryParse(text, out _))
                r.AddError($"--key-rate-limit '{text}' is not a rate: {KeyRateText.Help}");
        });
        return option;
    }
}
