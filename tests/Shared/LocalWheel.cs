using System.Diagnostics;

namespace Fjord.Tests.Shared;

/// <summary>
/// A real wheel, built by `pip wheel` from a package the test writes: PyPI is not reachable here,
/// so dependency tests install it with `--no-index --find-links` from <see cref="BuildAsync"/>'s folder.
/// </summary>
internal static class LocalWheel
{
    /// <summary>The deploy side's python for these tests: Debian's, which has setuptools and wheel for `pip wheel`.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Builds <paramref name="name"/> 1.0.0 with <paramref name="source"/> as its __init__.py (and <paramref name="padding"/> bytes of incompressible data) into <paramref name="wheelsDir"/>.</summary>
    public static async Task BuildAsync(string workDir, string wheelsDir, string name, string source, int padding = 0)
    {
        var project = Path.Combine(workDir, name + "-src");
        Directory.CreateDirectory(Path.Combine(project, name));
        await File.WriteAllTextAsync(Path.Combine(project, "pyproject.toml"), $"""
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{name}"
            version = "1.0.0"

            [tool.setuptools.package-data]
            "*" = ["*.bin"]
            """);
        await File.WriteAllTextAsync(Path.Combine(project, name, "__init__.py"), source);
        if (padding > 0)
            await File.WriteAllBytesAsync(Path.Combine(project, name, "padding.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(padding));
        var psi = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = workDir };
        foreach (var a in new[] { "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check", "-q", "-w", wheelsDir, project })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"pip wheel failed: {await stderr}{await stdout}");
    }
}
