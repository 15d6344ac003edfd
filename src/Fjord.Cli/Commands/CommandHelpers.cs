using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Fjord.Cli.Client;
using Fjord.Core.Functions;
using Spectre.Console;

namespace Fjord.Cli.Commands;

/// <summary>What the client commands share: the client, argument checks, table output.</summary>
internal static class CommandHelpers
{
    public static FjordClient CreateClient(CliConsole console) => new(ClientSettings.Resolve(console));

    public static Argument<string> FunctionArgument(string description)
    {
        var argument = new Argument<string>("name") { Description = description };
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!FunctionSpec.IsValidName(value))
                result.AddError($"'{value}' is not a function name (lower-case letters, digits, inner dashes)");
        });
        return argument;
    }

    public static Argument<string> JobArgument()
    {
        var argument = new Argument<string>("id") { Description = "The job's id, as `fjord invoke --async` printed it" };
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value) || value.Any(c => char.IsWhiteSpace(c) || c == '/' || c == '?'))
                result.AddError($"'{value}' is not a job id");
        });
        return argument;
    }

    /// <summary>
    /// The option's number for range checks, or null when it is absent or not a number; a value
    /// that is not a number is already a parse error, and asking for the typed value would throw.
    /// </summary>
    public static int? IntToken(OptionResult result) =>
        result.Tokens is [{ } token] && int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// Spectre output over the command's stdout. Piped output gets no colours and a wide
    /// fixed width, so scripts and tests read whole rows.
    /// </summary>
    public static IAnsiConsole Ansi(CliConsole console)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Out),
            Ansi = console.Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = console.Interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!console.Interactive)
            ansi.Profile.Width = 240;
        return ansi;
    }

    public static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
            table.AddColumn(new TableColumn(column).NoWrap());
        return table;
    }

    public static string Cell(object? value) => Markup.Escape(value switch
    {
        null => "-",
        bool b => b ? "yes" : "no",
        DateTimeOffset t => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "-",
    });
}
