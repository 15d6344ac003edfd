using System.Runtime.InteropServices;
using Fjord.Cli.Roles;

// usage: gateway|worker --broker URI --store URI [--port N] [--node NAME] [--functions a,b] [--data DIR]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i + 1 < args.Length; i += 2)
    options[args[i].TrimStart('-')] = args[i + 1];
var functions = options.TryGetValue("functions", out var list) ? list.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) : null;
var role = new RoleArguments(
    options["broker"],
    options["store"],
    options.TryGetValue("port", out var port) ? int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) : 8080,
    options.GetValueOrDefault("node"),
    functions,
    options.GetValueOrDefault("data") ?? Path.Combine(Path.GetTempPath(), "fjord-node-" + Environment.ProcessId),
    "127.0.0.1");

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
return args[0] switch
{
    "gateway" => await GatewayRole.RunAsync(role, stop.Token),
    "worker" => await WorkerRole.RunAsync(role, stop.Token),
    _ => 2,
};
