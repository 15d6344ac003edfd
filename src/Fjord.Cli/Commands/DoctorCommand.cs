using System.CommandLine;
using Fjord.Cli.Doctor;
using Fjord.Cli.Roles;
using Fjord.Queue.RabbitMq;
using Fjord.Runtime;
using Fjord.Storage.Postgres;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord doctor [--role up|gateway|worker]`: checks this host for the role and prints one line per
/// check, each failure with its fix. Exit 0 when every check passes, 1 otherwise. Checks only: it
/// starts nothing and changes nothing but a probe's cgroup and a temporary file.
/// </summary>
internal static class DoctorCommand
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static Command Build(CliConsole console)
    {
        var role = new Option<string>("--role") { Description = "What this host will run: up (default), gateway or worker", DefaultValueFactory = _ => "up" };
        role.AcceptOnlyFromAmong("up", "gateway", "worker");
        var data = new Option<string>("--data") { Description = $"The node's data folder (default {Defaults.DataDir})", DefaultValueFactory = _ => Defaults.DataDir };
        var port = new Option<int>("--port", "-p") { Description = $"The HTTP port (default {Defaults.Port})", DefaultValueFactory = _ => Defaults.Port };
        var host = new Option<string?>("--host") { Description = "The address to listen on (default 127.0.0.1 for up, 0.0.0.0 for gateway)" };
        var broker = new Option<string?>("--broker") { Description = "RabbitMQ URI for gateway/worker (better: $FJORD_BROKER or $FJORD_BROKER_FILE)" };
        var store = new Option<string?>("--store") { Description = "PostgreSQL for gateway/worker (better: $FJORD_STORE or $FJORD_STORE_FILE)" };
        var backend = new Option<string?>("--backend") { Description = "Redis in place of --broker and --store (better: $FJORD_BACKEND or $FJORD_BACKEND_FILE; a private CA in $FJORD_REDIS_CA)" };
        var command = new Command("doctor", "Check this host for a node: sandbox, cgroups, data folder, port, broker and store; one line each with a fix") { role, data, port, host, broker, store, backend };
        command.SetAction(async (r, ct) =>
        {
            var which = r.GetValue(role)!;
            var checks = new List<DoctorCheck>();
            if (which != "gateway")
                checks.AddRange(NodeChecks.Sandbox(Sandbox.Detect().Status, Environment.IsPrivilegedProcess));
            checks.Add(NodeChecks.DataFolder(console.ResolvePath(r.GetValue(data)!)));
            if (which != "worker")
                checks.Add(NodeChecks.Port(r.GetValue(host) ?? (which == "up" ? "127.0.0.1" : "0.0.0.0"), r.GetValue(port)));
            if (which != "up" && ConnectionSetting.TryResolve(r.GetValue(backend), "FJORD_BACKEND", console.GetEnvironment) is { } redis)
                checks.AddRange(await RedisChecks.RunAsync(redis, console.GetEnvironment("FJORD_REDIS_CA"), ConnectTimeout));
            else if (which != "up")
            {
                checks.Add(await ConnectionAsync("broker", () => ConnectionSetting.Resolve(r.GetValue(broker), "--broker", "FJORD_BROKER", console.GetEnvironment),
                    uri => BrokerCheck.RunAsync(uri, ConnectTimeout, ct), "give the node's user configure, write and read rights on fjord.* in its vhost (rabbitmqctl set_permissions)"));
                checks.Add(await ConnectionAsync("store", () => ConnectionSetting.Resolve(r.GetValue(store), "--store", "FJORD_STORE", console.GetEnvironment),
                    uri => StoreCheck.RunAsync(uri, ConnectTimeout, ct), "grant what the line says, or fix the host, port or password in FJORD_STORE"));
            }
            foreach (var check in checks)
                await console.Out.WriteLineAsync(check.Line);
            return checks.All(c => c.Ok) ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static async Task<DoctorCheck> ConnectionAsync(string name, Func<string> resolve, Func<string, Task<string?>> check, string fix)
    {
        string setting;
        try
        {
            setting = resolve();
        }
        catch (CliException e)
        {
            return DoctorCheck.Fail(name, e.Message, "set it in /etc/fjord/fjord.env (the package) or the environment");
        }
        return await check(setting) is { } problem
            ? DoctorCheck.Fail(name, problem, fix)
            : DoctorCheck.Pass(name, name == "broker" ? "reachable; declare, publish and get on fjord.* work" : "reachable; may create and write Fjord's tables");
    }
}
