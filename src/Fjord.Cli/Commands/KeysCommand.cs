using System.CommandLine;
using System.Globalization;
using Fjord.Cli.Client;
using Fjord.Core.Functions;
using Spectre.Console;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord keys create | ls | revoke`: API keys for other clients (a web tier, CI). Needs an admin key.</summary>
internal static class KeysCommand
{
    private static readonly string[] KnownScopes = ["read", "invoke", "deploy", "admin"];

    public static Command Build(CliConsole console)
    {
        var command = new Command("keys", "Create, list and revoke API keys (needs an admin key)");
        command.Subcommands.Add(Create(console));
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Revoke(console));
        return command;
    }

    private static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "A name to recognise the key by, like shop-web" };
        var scope = new Option<string>("--scope") { Description = "Comma-separated: read, invoke, deploy, admin", Required = true };
        var ns = new Option<string?>("--namespace") { Description = "Functions the key may use: NS covers NS and NS-*; '*' all (default: your key's)" };
        var rate = new Option<string?>("--rate") { Description = "Rate limit per gateway: " + KeyRateText.Help };
        var expires = new Option<string?>("--expires") { Description = "Expiry: a duration from now (90d, 12h) or an RFC 3339 time" };
        scope.Validators.Add(r =>
        {
            var unknown = Split(r.GetValueOrDefault<string>()).FirstOrDefault(s => !KnownScopes.Contains(s));
            if (unknown is not null || Split(r.GetValueOrDefault<string>()).Length == 0)
                r.AddError($"--scope '{r.GetValueOrDefault<string>()}' must list read, invoke, deploy or admin");
        });
        ns.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (value is not null && value != "*" && !FunctionSpec.IsValidName(value))
                r.AddError($"--namespace '{value}' must be '*' or a function name prefix (lower-case letters, digits, inner dashes)");
        });
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && !KeyRateText.TryParse(text, out _))
                r.AddError($"--rate '{text}' is not a rate: {KeyRateText.Help}");
        });
        expires.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && ExpiryFrom(text, DateTimeOffset.UtcNow) is null)
                r.AddError($"--expires '{text}' must be a duration like 90d or an RFC 3339 time in the future");
        });

        var command = new Command("create", "Create a key; its secret is printed once, on stdout") { name, scope, ns, rate, expires };
        command.SetAction(async (r, ct) =>
        {
            var limit = KeyRateText.Parse(r.GetValue(rate), "--rate");
            var request = new KeyCreation(
                r.GetValue(name)!,
                Split(r.GetValue(scope)),
                r.GetValue(ns),
                limit is null ? null : new KeyRate(limit.PerSecond, limit.Burst),
                r.GetValue(expires) is { } text ? ExpiryFrom(text, DateTimeOffset.UtcNow) : null);
            using var client = CreateClient(console);
            var key = await client.CreateKeyAsync(request, ct);
            if (key.Secret is null)
                throw CliException.Failed("the gateway created the key but sent no secret");
            // The secret alone on stdout, so KEY=$(fjord keys create …) works; the description on stderr.
            await console.Out.WriteLineAsync(key.Secret);
            await console.Error.WriteLineAsync($"created key {key.Id} '{key.Name}': {Describe(key)}. The secret above is shown only now.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var command = new Command("ls", "List the keys (never their secrets)");
        command.Aliases.Add("list");
        command.SetAction(async (_, ct) =>
        {
            using var client = CreateClient(console);
            var keys = await client.ListKeysAsync(ct);
            var table = NewTable("ID", "NAME", "SCOPES", "NAMESPACE", "RATE", "EXPIRES", "CREATED", "LAST USED");
            foreach (var k in keys)
            {
                table.AddRow(Cell(k.Id), Cell(k.Name), Cell(string.Join(',', k.Scopes)), Cell(k.Namespace), Cell(RateText(k.RateLimit)),
                    Cell(k.ExpiresAt), Cell(k.CreatedAt), Cell(k.LastUsedAt));
            }
            Ansi(console).Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke(CliConsole console)
    {
        var id = new Argument<string>("id") { Description = "The key's id, as `fjord keys ls` shows it" };
        id.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (string.IsNullOrEmpty(value) || value.Length > 64 || !value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
                r.AddError($"'{value}' is not a key id (see `fjord keys ls`)");
        });
        var command = new Command("revoke", "Revoke a key: refused at once here, within 5 s on every gateway") { id };
        command.Aliases.Add("rm");
        command.SetAction(async (r, ct) =>
        {
            using var client = CreateClient(console);
            await client.RevokeKeyAsync(r.GetValue(id)!, ct);
            await console.Out.WriteLineAsync($"{r.GetValue(id)}  revoked");
            return ExitCodes.Success;
        });
        return command;
    }

    internal static DateTimeOffset? ExpiryFrom(string text, DateTimeOffset now)
    {
        if (Quantity.TryParseDuration(text, out var span) && span > TimeSpan.Zero)
            return now + span;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at > now ? at : null;
    }

    private static string[] Split(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToArray() ?? [];

    private static string? RateText(KeyRate? rate) => rate is null ? null : $"{rate.PerSecond}/s:{rate.Burst}";

    private static string Describe(KeyInfo key)
    {
        var parts = new List<string> { $"scopes {string.Join(',', key.Scopes)}", $"namespace {key.Namespace}" };
        if (key.RateLimit is { } rate)
            parts.Add($"rate {RateText(rate)}");
        if (key.ExpiresAt is { } at)
            parts.Add($"expires {Cell(at)} UTC");
        return string.Join(", ", parts);
    }
}
