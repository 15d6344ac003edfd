using System.Diagnostics;

namespace Fjord.Bench;

/// <summary>Short helper commands of the run (services.sh, `fjord deploy`): run to the end, fail loudly.</summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; a non-zero exit throws with everything it printed.</summary>
    public static async Task RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            psi.Environment[key] = value;
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', args.Take(2))} failed ({process.ExitCode}): {await output}{await errors}");
    }
}
