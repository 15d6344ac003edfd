using System.CommandLine;
using System.Text.Json.Nodes;

namespace Fjord.Cli.Commands;

/// <summary>
/// The filter of `jobs retry` (without an id) and `jobs purge`: function, error kind, since. A bulk
/// move of dead letters needs at least one of them or `--all`, so a bare `fjord jobs purge` never
/// deletes every dead letter by accident.
/// </summary>
internal sealed class DeadLetterOptions
{
    private readonly Option<string?> _function = new("--function") { Description = "Only this function's dead letters" };
    private readonly Option<string?> _kind = new("--error-kind") { Description = "exit, exception, timeout, crash, memory, expired or canceled" };
    private readonly Option<string?> _since = new("--since") { Description = "Failed since: a duration back from now (24h) or an RFC 3339 time" };
    private readonly Option<bool> _all = new("--all") { Description = "Every dead letter (when no other filter is given)" };

    public void AddTo(Command command)
    {
        command.Options.Add(_function);
        command.Options.Add(_kind);
        command.Options.Add(_since);
        command.Options.Add(_all);
    }

    public bool Given(ParseResult result) =>
        result.GetValue(_function) is not null || result.GetValue(_kind) is not null || result.GetValue(_since) is not null || result.GetValue(_all);

    /// <summary>The JSON filter of POST /v1/jobs:retry|purge; a usage error when nothing narrows it and --all is absent.</summary>
    public JsonObject Body(ParseResult result)
    {
        var body = new JsonObject();
        if (result.GetValue(_function) is { } f)
            body["function"] = f;
        if (result.GetValue(_kind) is { } k)
            body["errorKind"] = k;
        if (result.GetValue(_since) is { } s)
            body["since"] = s;
        if (body.Count == 0 && !result.GetValue(_all))
            throw CliException.Usage("name a job id, a filter (--function, --error-kind, --since) or --all");
        return body;
    }

    /// <summary>The body of `jobs purge --status S --before D`: ended jobs in one state, of --function or of all.</summary>
    public JsonObject EndedBody(ParseResult result, string? status, string? before)
    {
        if (status is null || before is null)
            throw CliException.Usage("--status and --before go together: fjord jobs purge --status succeeded --before 7d");
        if (result.GetValue(_kind) is not null || result.GetValue(_since) is not null)
            throw CliException.Usage("--error-kind and --since select dead letters; with --status use --before");
        if (!Fjord.Core.Functions.Quantity.TryParseDuration(before, out _))
            throw CliException.Usage($"--before must be a duration like 7d or 12h, not '{before}'");
        var body = new JsonObject { ["status"] = status.ToLowerInvariant(), ["before"] = before };
        if (result.GetValue(_function) is { } f)
            body["function"] = f;
        return body;
    }
}
