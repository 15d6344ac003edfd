namespace Fjord.Cli;

/// <summary>
/// An expected failure of a command: the top level prints its message as one line
/// (<c>fjord: message</c>) and exits with <see cref="ExitCode"/>, never with a stack trace.
/// </summary>
internal class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    public static CliException Failed(string message) => new(ExitCodes.Failed, message);
}
