using System.Globalization;

namespace Fjord.Cli.Project.Dependencies;

/// <summary>The deploying machine's python or node version, and whether it is the one a function declares.</summary>
internal static class InterpreterVersion
{
    public static async Task<string> ProbeAsync(string program, bool python, CancellationToken ct)
    {
        string[] args = python
            ? ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"]
            : ["-p", "process.versions.node"];
        var output = await ToolRun.RunAsync(program, args, Path.GetTempPath(), logFile: null, ct);
        return output.Trim();
    }

    /// <summary>
    /// True when <paramref name="actual"/> (3.11.7) is the declared <paramref name="wanted"/>
    /// (3.11, or 3, or 3.11.7): every component the function names must match.
    /// </summary>
    public static bool Matches(string wanted, string actual)
    {
        var want = wanted.Split('.');
        var have = actual.Split('.');
        return want.Length <= have.Length && want.Zip(have).All(p => Number(p.First) == Number(p.Second));
    }

    /// <summary>major.minor: what decides whether a wheel or a native node module fits.</summary>
    public static string MajorMinor(string version) => string.Join('.', version.Split('.').Take(2));

    private static int? Number(string part) => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>Refuses (exit code <see cref="ExitCodes.Dependencies"/>) when the function declares another version than this machine's.</summary>
    public static void Check(string function, string runtime, string? declared, string actual, string variable)
    {
        if (declared is null || Matches(declared, actual))
            return;
        throw new CliException(ExitCodes.Dependencies,
            $"function '{function}' declares {runtime} {declared} (runtimeVersion) but this machine's {runtime} is {actual}: its dependencies would be built for the wrong interpreter; deploy from a machine with {runtime} {declared}, or point {variable} at one");
    }
}
