using System.Text;

namespace Fjord.Cli;

/// <summary>
/// What a command may touch of its surroundings: the standard streams, the environment and the
/// current folder. Tests build one over memory streams, so every command runs in-process and
/// nothing reads the real environment or changes the process's current folder.
/// </summary>
internal sealed class CliConsole
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public CliConsole(
        Stream stdout,
        TextWriter error,
        Func<Stream>? openStdin = null,
        Func<string, string?>? getEnvironment = null,
        string? workingDirectory = null,
        bool interactive = false)
    {
        StdOut = stdout;
        Out = new StreamWriter(stdout, Utf8, leaveOpen: true) { AutoFlush = true };
        Error = error;
        OpenStdin = openStdin;
        GetEnvironment = getEnvironment ?? (_ => null);
        WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory();
        Interactive = interactive;
    }

    /// <summary>Raw standard output, for function results that must pass through byte for byte.</summary>
    public Stream StdOut { get; }

    /// <summary>Text standard output over <see cref="StdOut"/>; it flushes on every write so the two never interleave wrongly.</summary>
    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>Standard input when it is redirected (a pipe or a file); null when it is a terminal.</summary>
    public Func<Stream>? OpenStdin { get; }

    public Func<string, string?> GetEnvironment { get; }

    public string WorkingDirectory { get; }

    /// <summary>True when standard output is a terminal: live views and colours are worth drawing.</summary>
    public bool Interactive { get; }

    public string ResolvePath(string path) => Path.GetFullPath(path, WorkingDirectory);

    public static CliConsole FromProcess() => new(
        Console.OpenStandardOutput(),
        Console.Error,
        Console.IsInputRedirected ? Console.OpenStandardInput : null,
        Environment.GetEnvironmentVariable,
        Directory.GetCurrentDirectory(),
        interactive: !Console.IsOutputRedirected);
}
