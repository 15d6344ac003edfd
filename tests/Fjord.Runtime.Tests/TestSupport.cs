using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;

// Function processes, cgroups and bubblewrap are Linux things; so are these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Fjord.Runtime.Tests;

/// <summary>A fresh folder per test, readable by the sandbox user (uid 65534) like an unpacked bundle.</summary>
internal sealed class TempFolder : IDisposable
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("fjord-runtime-test-").FullName;
        File.SetUnixFileMode(Path, Readable);
    }

    public string Path { get; }

    public string Write(string name, string content, bool executable = false)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, content);
        File.SetUnixFileMode(file, executable ? Readable : Readable & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Run
{
    public static RuntimeOptions Options(bool sandbox) => new() { Sandbox = sandbox };

    public static FunctionSpec Exec(params string[] command) => new()
    {
        Name = "t-exec",
        Runtime = FunctionRuntime.Exec,
        Mode = RunMode.Fork,
        Command = command,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static FunctionSpec Shim(FunctionRuntime runtime, RunMode mode, string handler) => new()
    {
        Name = "t-" + runtime.ToString().ToLowerInvariant(),
        Runtime = runtime,
        Mode = mode,
        Handler = handler,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static RunRequest Request(string payload, int attempt = 1) =>
        new(JobId.New(), "fn", attempt, Encoding.UTF8.GetBytes(payload), "text/plain");

    public static string Text(this RunResult result) => Encoding.UTF8.GetString(result.Output);

    public static async Task<RunResult> OnceAsync(FunctionSpec spec, string? dir, bool sandbox, string payload = "", RuntimeOptions? options = null)
    {
        await using var runner = RunnerFactory.Create(spec, dir, options ?? Options(sandbox));
        return await runner.RunAsync(Request(payload), CancellationToken.None);
    }

    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Length > 0;
}
