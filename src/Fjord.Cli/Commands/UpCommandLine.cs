using System.CommandLine;
using Fjord.Cli.Project;
using Fjord.Cli.Up;

namespace Fjord.Cli.Commands;

/// <summary>`fjord up`: parses its flags and hands over to the composition root in Up/.</summary>
internal static class UpCommandLine
{
    public static Command Build(CliConsole console)
    {
        var data = new Option<string>("--data")
        {
            Description = $"Data folder: the SQLite store, bundles and admin.key (default {Defaults.DataDir})",
            DefaultValueFactory = _ => Defaults.DataDir,
        };
        var port = new Option<int>("--port", "-p")
        {
            Description = $"HTTP port of the gateway (default {Defaults.Port})",
            DefaultValueFactory = _ => Defaults.Port,
        };
        port.Validators.Add(r =>
        {
            if (CommandHelpers.IntToken(r) is < 1 or > 65535)
                r.AddError("--port must be between 1 and 65535");
        });
        var host = new Option<string>("--host")
        {
            Description = "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var file = new Option<string?>("--file", "-f") { Description = $"Project file to deploy at start (default {Defaults.ProjectFile} when present)" };

        var keyRate = RoleCommands.KeyRateLimitOption();
        var callbackAllow = SurfaceOptions.CallbackAllow();
        var maxBundleUnpacked = SurfaceOptions.MaxBundleUnpacked();
        var command = new Command("up", "Run the one-node platform: gateway, workers and the embedded store in one process") { data, port, host, file, callbackAllow, maxBundleUnpacked, keyRate };
        var retention = SurfaceOptions.Retention();
        command.Options.Add(retention);
        var maxImageSize = SurfaceOptions.MaxImageSize();
        command.Options.Add(maxImageSize);
        var sandbox = new SandboxCommandLine();
        sandbox.AddTo(command, runsFunctions: true, validatesDeploys: true);
        command.SetAction((result, ct) =>
        {
            var project = ProjectPath(console, result.GetValue(file));
            // A broken fjord.yml is a usage error now, not a half-started node later.
            if (project is not null)
                _ = ProjectFile.Load(project);
            var surface = SurfaceOptions.Read(result, callbackAllow, maxBundleUnpacked) with
            {
                Retention = SurfaceOptions.ReadRetention(result, retention),
                MaxImageBytes = SurfaceOptions.ReadMaxImageSize(result, maxImageSize),
            };
            var args = new UpArguments(console.ResolvePath(result.GetValue(data)!), result.GetValue(port), project, result.GetValue(host)!, surface,
                KeyRateText.Parse(result.GetValue(keyRate), "--key-rate-limit"), sandbox.Parse(result));
            return UpCommand.RunAsync(args, ct);
        });
        return command;
    }

    private static string? ProjectPath(CliConsole console, string? given)
    {
        if (given is not null)
        {
            var path = console.ResolvePath(given);
            return File.Exists(path) ? path : throw CliException.Usage($"project file '{path}' does not exist");
        }
        var fallback = console.ResolvePath(Defaults.ProjectFile);
        return File.Exists(fallback) ? fallback : null;
    }
}
