using System.Diagnostics;
using System.Globalization;

namespace Fjord.Bench;

/// <summary>
/// One `dotnet fjord.dll …` process of the run (`up`, `gateway` or `worker`): started, awaited
/// until it prints that it is up, its stderr forwarded, and killed by its own PID at the end.
/// </summary>
internal sealed class FjordProcess : IAsyncDisposable
{
    private readonly Process _process;

    private FjordProcess(Process process, string label)
    {
        _process = process;
        Label = label;
    }

    public int Pid => _process.Id;

    public string Label { get; }

    public static async Task<FjordProcess> StartAsync(string fjordDll, string label, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(fjordDll);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in env)
            psi.Environment[key] = value;
        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            // `fjord up` prints "fjord is up", the roles "fjord gateway is up" / "fjord worker … is up".
            if (e.Data?.Contains(" is up", StringComparison.Ordinal) == true)
                ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  {label}: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new FjordProcess(process, label);
        if (await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(60_000)) != ready.Task)
        {
            await started.DisposeAsync();
            throw new TimeoutException($"fjord {args[0]} did not start");
        }
        return started;
    }

    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
