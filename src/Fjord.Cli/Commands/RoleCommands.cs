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
        var command = new Command("gateway", "Gateway role only: HTTP intake and the API, over RabbitMQ and PostgreSQL") { broker, store, port, host, data, callbackAllow, maxBundleUnpacked, keyRate };
        command.SetAction((r, ct) => GatewayRole.RunAsync(
            new RoleArguments(Required(r, broker), Required(r, store), r.GetValue(port), null, null, console.ResolvePath(r.GetValue(data)!), r.GetValue(host)!)
            {
                Surface = SurfaceOptions.Read(r, callbackAllow, maxBundleUnpacked),
                KeyRateLimit = KeyRateText.Parse(r.GetValue(keyRate), "--key-rate-limit"),
            }, ct));
        return command;
    }

    public static Command Worker(CliConsole console)
    {
        var (broker, store, data) = Common();
        var functions = new Option<string?>("--functions") { Description = "Comma-separated functions to run here (default: every deployed function)" };
        var node = new Option<string?>("--node") { Description = "This node's name in job records (default: host name plus a short suffix)" };
        var maxBundleUnpacked = SurfaceOptions.MaxBundleUnpacked();
        var command = new Command("worker", "Worker role only: runs function pools on this node") { broker, store, functions, node, data, maxBundleUnpacked };
        command.SetAction((r, ct) =>
        {
            var only = r.GetValue(functions)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            return WorkerRole.RunAsync(
                new RoleArguments(Required(r, broker), Required(r, store), 0, r.GetValue(node), only is { Count: > 0 } ? only : null, console.ResolvePath(r.GetValue(data)!))
                {
                    Surface = SurfaceOptions.Read(r, null, maxBundleUnpacked),
                }, ct);
        });
        return command;
    }

    private static (Option<string?> Broker, Option<string?> Store, Option<string> Data) Common() => (
        new Option<string?>("--broker") { Description = "RabbitMQ URI: amqp://user:pass@host:5672/vhost" },
        new Option<string?>("--store") { Description = "PostgreSQL: postgres://user:pass@host:5432/db or Host=…;Username=…" },
        new Option<string>("--data") { Description = $"Local folder for the admin key, bundles and temp files (default {Defaults.DataDir})", DefaultValueFactory = _ => Defaults.DataDir });

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

    private static string Required(ParseResult result, Option<string?> option) =>
        result.GetValue(option) is { Length: > 0 } value ? value : throw CliException.Usage($"{option.Name} is required");
}
