using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Spectre.Console;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord jobs ls | get | retry | cancel | purge`: job records and dead letters.</summary>
internal static class JobsCommand
{
    /// <summary>Relaxed escaping: the record is shown to a person, so `+00:00` stays readable instead of `\u002B00:00`.</summary>
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build(CliConsole console)
    {
        var command = new Command("jobs", "Job records and dead letters (status failed)");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Get(console));
        command.Subcommands.Add(Retry(console));
        command.Subcommands.Add(Cancel(console));
        command.Subcommands.Add(Purge(console));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var function = new Option<string?>("--function") { Description = "Only this function's jobs" };
        var status = new Option<string?>("--status") { Description = "queued, scheduled, running, succeeded, failed (dead letters) or canceled" };
        var limit = new Option<int?>("--limit", "-n") { Description = "At most this many (newest first)" };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after the page that printed this cursor" };
        function.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } f && !FunctionSpec.IsValidName(f))
                r.AddError($"--function '{f}' is not a function name");
        });
        status.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } s && !JobStatusNames.TryParse(s, out _))
                r.AddError($"--status '{s}' must be queued, scheduled, running, succeeded, failed or canceled");
        });
        limit.Validators.Add(r =>
        {
            if (IntToken(r) is < 1 or > 10_000)
                r.AddError("--limit must be between 1 and 10000");
        });

        var command = new Command("ls", "List jobs, newest first") { function, status, limit, cursor };
        command.Aliases.Add("list");
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            var page = await client.ListJobsAsync(result.GetValue(function), result.GetValue(status)?.ToLowerInvariant(), result.GetValue(limit), result.GetValue(cursor), ct);
            var table = NewTable("ID", "FUNCTION", "STATUS", "ATTEMPT", "CREATED (UTC)", "DURATION", "NODE", "ERROR");
            foreach (var job in page.Items)
            {
                var attempt = job.Attempt is { } a ? (job.MaxAttempts is { } m ? $"{a}/{m}" : $"{a}") : "-";
                var duration = job.DurationMs is { } ms ? $"{ms} ms" : "-";
                var error = job.ErrorKind is { } kind ? $"{kind}: {job.ErrorMessage}" : null;
                table.AddRow(Cell(job.Id), Cell(job.Function), Cell(job.Status), Cell(attempt), Cell(job.CreatedAt), Cell(duration), Cell(job.Node), Cell(Shorten(error, 60)));
            }
            Ansi(console).Write(table);
            if (page.Next is { } next)
                await console.Error.WriteLineAsync($"more: fjord jobs ls --cursor {next}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Get(CliConsole console)
    {
        var id = JobArgument();
        var command = new Command("get", "Show one job record as JSON") { id };
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            var job = await client.GetJobAsync(result.GetValue(id)!, ct);
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(job, Pretty));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Retry(CliConsole console)
    {
        var id = JobArgument();
        id.Arity = ArgumentArity.ZeroOrOne;
        var filter = new DeadLetterOptions();
        var command = new Command("retry", "Requeue a failed job (a dead letter), or every dead letter matching a filter, with a fresh attempt budget") { id };
        filter.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            if (result.GetValue(id) is { } one)
            {
                if (filter.Given(result))
                    throw CliException.Usage("name one job id or a filter, not both");
                await client.RetryJobAsync(one, ct);
                await console.Out.WriteLineAsync($"{one}  requeued");
                return ExitCodes.Success;
            }
            var count = await client.DeadLettersAsync("retry", filter.Body(result), ct);
            await console.Out.WriteLineAsync($"retried {count}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Purge(CliConsole console)
    {
        var filter = new DeadLetterOptions();
        var status = new Option<string?>("--status") { Description = "Delete ended jobs in this state (succeeded, failed or canceled) instead of dead letters only; with --before; admin key" };
        var before = new Option<string?>("--before") { Description = "With --status: jobs that ended longer ago than this (7d, 12h)" };
        var command = new Command("purge", "Delete every dead letter matching a filter, or (--status, --before) every ended job in a state, with its attempts") { status, before };
        filter.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var ended = result.GetValue(status) is not null || result.GetValue(before) is not null;
            var body = ended ? filter.EndedBody(result, result.GetValue(status), result.GetValue(before)) : filter.Body(result);
            using var client = CreateClient(console);
            var count = await client.DeadLettersAsync("purge", body, ct);
            await console.Out.WriteLineAsync($"purged {count}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Cancel(CliConsole console)
    {
        var id = JobArgument();
        var command = new Command("cancel", "Cancel a job: a queued or scheduled one never runs; a running one is killed") { id };
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            // 409 (it already runs or ended) leaves as exit 1 with the gateway's detail.
            await client.CancelJobAsync(result.GetValue(id)!, ct);
            await console.Out.WriteLineAsync($"{result.GetValue(id)}  canceled");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string? Shorten(string? text, int max) =>
        text is null || text.Length <= max ? text : text[..(max - 1)] + "…";
}
