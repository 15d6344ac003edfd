using System.Diagnostics;

namespace Fjord.Runtime;

/// <summary>
/// The versions of the interpreters this node runs functions with, probed once when a worker
/// starts (off the job path): python and php as major.minor, node as major, the granularity at
/// which dependencies built elsewhere stop fitting. A missing or silent interpreter is left out.
/// </summary>
public sealed class InterpreterVersions
{
    /// <summary>Bound on each probe: an interpreter that does not answer in this time is not reported.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private volatile IReadOnlyDictionary<string, string>? _found;

    private InterpreterVersions()
    {
    }

    /// <summary>What the probes found; null until they have finished.</summary>
    public IReadOnlyDictionary<string, string>? Found => _found;

    /// <summary>The probes' task, for callers that want to wait (tests).</summary>
    public Task Probed { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the probes in the background and returns at once.</summary>
    public static InterpreterVersions Start(RuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var versions = new InterpreterVersions();
        versions.Probed = Task.Run(async () => versions._found = await ProbeAsync(options, ProbeTimeout));
        return versions;
    }

    public static async Task<IReadOnlyDictionary<string, string>> ProbeAsync(RuntimeOptions options, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        (string Runtime, Task<string?> Version)[] probes =
        [
            ("python", VersionOfAsync(options.PythonPath, timeout, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")),
            ("node", VersionOfAsync(options.NodePath, timeout, "-p", "process.versions.node.split('.')[0]")),
            ("php", VersionOfAsync(options.PhpPath, timeout, "-r", "echo PHP_MAJOR_VERSION, '.', PHP_MINOR_VERSION, PHP_EOL;")),
        ];
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (runtime, version) in probes)
        {
            if (await version is { } v)
                found[runtime] = v;
        }
        return found;
    }

    /// <summary>What the program prints when it looks like a version (digits and dots); null otherwise.</summary>
    private static async Task<string?> VersionOfAsync(string program, TimeSpan timeout, params string[] args)
    {
        if (!File.Exists(program))
            return null;
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var deadline = new CancellationTokenSource(timeout);
        Process? process = null;
        try
        {
            process = Process.Start(psi);
            if (process is null)
                return null;
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            var output = await process.StandardOutput.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            await stderr;
            var line = output.Trim();
            return process.ExitCode == 0 && line.Length > 0 && line.All(c => char.IsAsciiDigit(c) || c == '.') ? line : null;
        }
        catch (OperationCanceledException)
        {
            process?.Kill(entireProcessTree: true);
            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
        finally
        {
            process?.Dispose();
        }
    }
}
