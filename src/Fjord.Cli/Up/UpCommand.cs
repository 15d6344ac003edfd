namespace Fjord.Cli.Up;

/// <summary>Arguments of `fjord up`, parsed by the command line layer.</summary>
internal sealed record UpArguments(string DataDir, int Port, string? ProjectFile, string Host = "127.0.0.1");

/// <summary>`fjord up`: gateway + workers + embedded SQLite store in one process.</summary>
internal static class UpCommand
{
    /// <summary>Runs until <paramref name="cancellationToken"/> fires (Ctrl+C / SIGTERM), then drains. Returns the exit code.</summary>
    public static Task<int> RunAsync(UpArguments args, CancellationToken cancellationToken)
    {
        _ = args;
        _ = cancellationToken;
        throw new NotImplementedException("fjord up is being wired");
    }
}
