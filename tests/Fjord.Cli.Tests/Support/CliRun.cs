using System.Text;

namespace Fjord.Cli.Tests.Support;

/// <summary>The outcome of one in-process `fjord` run.</summary>
internal sealed record CliRun(int ExitCode, byte[] OutBytes, string Error)
{
    public string Out => Encoding.UTF8.GetString(OutBytes);

    /// <summary>
    /// Runs `fjord args` in this process against captured streams. The environment is only what
    /// the test passes (never the machine's), and the current folder is <paramref name="cwd"/>.
    /// </summary>
    public static async Task<CliRun> RunAsync(
        string[] args,
        string cwd,
        IReadOnlyDictionary<string, string>? env = null,
        byte[]? stdin = null)
    {
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var console = new CliConsole(
            stdout,
            stderr,
            stdin is null ? null : () => new MemoryStream(stdin),
            name => env is not null && env.TryGetValue(name, out var value) ? value : null,
            cwd);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await FjordCli.RunAsync(args, console, timeout.Token);
        return new CliRun(code, stdout.ToArray(), stderr.ToString());
    }

    /// <summary>Errors are one line, `fjord: ...`, and never a stack trace (CONTRACT §1).</summary>
    public void AssertOneErrorLine(string contains)
    {
        var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("fjord: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(contains, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error, StringComparison.Ordinal);
    }
}
