using System.Diagnostics;
using System.Text;

namespace Fjord.Cli.Project.Dependencies;

/// <summary>Runs pip, npm or an interpreter on the deploying machine and says, in one line, why it failed.</summary>
internal static class ToolRun
{
    /// <summary>Runs the tool; returns its stdout. Throws a one-line <see cref="CliException"/> when it cannot start or exits non-zero.</summary>
    /// <param name="logFile">Where the tool's whole output is kept when it fails (pip and npm say a lot).</param>
    public static async Task<string> RunAsync(string program, IEnumerable<string> args, string workingDir, string? logFile, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new CliException(ExitCodes.Dependencies, $"cannot run '{program}' to build dependencies: {e.Message} (set {Variable(program)} to its path)");
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode == 0)
                return output;
            var where = "";
            if (logFile is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
                await File.WriteAllTextAsync(logFile, $"$ {program} {string.Join(' ', psi.ArgumentList)}\n{output}\n{errors}", Encoding.UTF8, ct);
                where = $" (whole output in {logFile})";
            }
            throw new CliException(ExitCodes.Dependencies, $"{Path.GetFileName(program)} {psi.ArgumentList.FirstOrDefault()} failed with exit code {process.ExitCode}: {LastLine(errors, output)}{where}");
        }
    }

    /// <summary>The last line that says something: pip and npm end with the reason.</summary>
    private static string LastLine(string errors, string output)
    {
        var lines = (errors + "\n" + output).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("WARNING: Running pip as the 'root' user", StringComparison.Ordinal)
                && !l.StartsWith("npm notice", StringComparison.Ordinal) && !l.StartsWith("npm error A complete log", StringComparison.Ordinal)
                && !l.StartsWith("hint:", StringComparison.Ordinal))
            .ToList();
        var error = lines.LastOrDefault(l => l.Contains("ERROR", StringComparison.Ordinal) || l.StartsWith("npm error", StringComparison.Ordinal) || l.StartsWith("npm ERR!", StringComparison.Ordinal));
        return error ?? lines.LastOrDefault() ?? "no output";
    }

    private static string Variable(string program) => Path.GetFileName(program) switch
    {
        var p when p.StartsWith("python", StringComparison.Ordinal) => "FJORD_PYTHON",
        "npm" => "FJORD_NPM",
        _ => "FJORD_NODE",
    };
}
