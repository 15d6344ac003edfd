using System.Diagnostics;

namespace Fjord.Cli.Tests.Support;

/// <summary>Runs real programs (dpkg, dotnet, an installed fjord) for the packaging tests.</summary>
internal static class Programs
{
    /// <summary>Runs <paramref name="program"/> and returns its stdout; a non-zero exit fails the test with both streams.</summary>
    public static async Task<string> RunAsync(string program, params string[] args)
    {
        var (code, output, error) = await RunRawAsync(program, args);
        Assert.True(code == 0, $"{program} {string.Join(' ', args)} failed ({code}): {output}{error}");
        return output;
    }

    /// <returns>The exit code, stdout and stderr.</returns>
    public static async Task<(int Code, string Output, string Error)> RunRawAsync(
        string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var within = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(within.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The checkout the tests were built from (the folder holding Fjord.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(dir, "Fjord.sln")))
                dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Fjord.sln not found above the test binaries");
            return dir;
        }
    }
}
