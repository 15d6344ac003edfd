using System.CommandLine;
using Fjord.Cli.Client;
using Fjord.Core.Functions;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord invoke`: run a function and print its output, or queue a job and print its id.</summary>
internal static class InvokeCommand
{
    public static Command Build(CliConsole console)
    {
        var name = FunctionArgument("The function to run");
        var data = new Option<string?>("--data", "-d") { Description = "The payload: literal text, @FILE, or @- for stdin (default: stdin when piped, else empty)" };
        var async = new Option<bool>("--async") { Description = "Queue the job and print its id instead of waiting for the output" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Same key, same function, within 24 h: the same job (implies nothing else)" };
        var callback = new Option<string?>("--callback") { Description = "URL the result is POSTed to when the job ends (implies --async)" };
        var delay = new Option<string?>("--delay") { Description = "Run no sooner than this from now, like 30s or 5m (implies --async)" };
        var contentType = new Option<string?>("--content-type") { Description = "Media type of the payload (default: application/json when it parses as JSON)" };
        delay.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } d && (!Quantity.TryParseDuration(d, out var span) || span < TimeSpan.Zero))
                r.AddError($"--delay '{d}' is not a duration like 30s, 5m or 2h");
        });
        callback.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } c && !(Uri.TryCreate(c, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
                r.AddError($"--callback '{c}' is not an http:// or https:// URL");
        });
        contentType.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } t && !System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(t, out _))
                r.AddError($"--content-type '{t}' is not a media type");
        });

        var command = new Command("invoke", "Run a function: print its output (sync), or queue a job and print its id (--async)")
        {
            name, data, async, idempotencyKey, callback, delay, contentType,
        };
        command.SetAction(async (result, ct) =>
        {
            var payload = await Payloads.ReadAsync(console, result.GetValue(data), ct);
            var type = result.GetValue(contentType) ?? Payloads.GuessContentType(payload);
            var options = new SubmitOptions(result.GetValue(idempotencyKey), result.GetValue(callback), result.GetValue(delay));
            var queue = result.GetValue(async) || options.CallbackUrl is not null || options.Delay is not null;

            using var client = CreateClient(console);
            if (queue)
            {
                var job = await client.SubmitAsync(result.GetValue(name)!, payload, type, options, ct);
                await console.Out.WriteLineAsync(job.Id);
                return ExitCodes.Success;
            }

            // A failed run comes back as a problem answer and leaves as exit 1 through FjordClient.
            var output = await client.InvokeAsync(result.GetValue(name)!, payload, type, options, ct);
            await console.Out.FlushAsync(ct);
            await console.StdOut.WriteAsync(output.Body, ct);
            if (console.Interactive && output.Body.Length > 0 && output.Body[^1] != (byte)'\n')
                await console.StdOut.WriteAsync("\n"u8.ToArray(), ct);
            await console.StdOut.FlushAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }
}
