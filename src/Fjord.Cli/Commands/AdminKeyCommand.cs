using System.CommandLine;
using Fjord.Cli.Client;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord admin-key rotate`: asks the gateway for a new secret for the admin key in use
/// (<c>POST /v1/keys:rotate</c>; the old secret is revoked in the same write). When the key came
/// from <c>&lt;data&gt;/admin.key</c>, the file is replaced (0600) and the secret is not printed;
/// when it came from <c>$FJORD_KEY</c>, the new secret is printed once on stdout.
/// </summary>
internal static class AdminKeyCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("admin-key", "The admin key");
        var rotate = new Command("rotate", "Replace the admin key in use with a new one; the old one stops working");
        rotate.SetAction(async (_, ct) =>
        {
            var settings = ClientSettings.Resolve(console);
            if (settings.Key is null)
                throw new CliException(ExitCodes.NotAuthorized, $"no admin key to rotate (set $FJORD_KEY, or run where {settings.KeySource} exists)");
            var fromFile = settings.KeySource != ClientSettings.EnvironmentSource;
            using var client = new FjordClient(settings);
            var key = await client.RotateOwnKeyAsync(ct);
            if (key.Secret is null)
                throw CliException.Failed("the gateway rotated the key but sent no secret");
            if (!fromFile)
            {
                await console.Out.WriteLineAsync(key.Secret);
                await console.Error.WriteLineAsync($"rotated: the admin key is now {key.Id}; the secret above is shown only now. Update $FJORD_KEY (and $FJORD_ADMIN_KEY where a node sets it).");
                return ExitCodes.Success;
            }
            try
            {
                Credentials.ReplaceKeyFile(settings.KeySource, key.Secret);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The old key is already revoked: the new secret must not be lost with the file.
                await console.Out.WriteLineAsync(key.Secret);
                throw CliException.Failed($"rotated, but {settings.KeySource} could not be written ({e.Message}); the new secret is printed above");
            }
            await console.Out.WriteLineAsync($"rotated: the admin key is now {key.Id}, written to {settings.KeySource}; the old key no longer works");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(rotate);
        return command;
    }
}
