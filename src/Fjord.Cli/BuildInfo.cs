using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Fjord.Cli;

/// <summary>
/// What `fjord --version` prints: the version (Version in Fjord.Cli.csproj) and the git commit the
/// SDK stamps into the informational version (<c>0.1.0+&lt;sha&gt;</c>); "unknown" for a build outside git.
/// </summary>
internal static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string Version => Informational.Split('+')[0];

    public static string Commit => Informational.Split('+') is [_, { Length: > 0 } sha, ..] ? sha : "unknown";

    /// <summary>One line: <c>fjord 0.1.0 (commit 1234abc…)</c>.</summary>
    public static string Line => $"fjord {Version} (commit {Commit})";

    /// <summary>Replaces System.CommandLine's --version, which prints the raw informational version.</summary>
    public static void UseFor(RootCommand root, CliConsole console)
    {
        foreach (var option in root.Options.OfType<VersionOption>())
            option.Action = new PrintVersion(console);
    }

    private sealed class PrintVersion(CliConsole console) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            console.Out.WriteLine(Line);
            return ExitCodes.Success;
        }
    }
}
