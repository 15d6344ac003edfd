using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.Versioning;
using System.Text;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// A real `fjord up` started under <c>umask 000</c> (so nothing is closed by luck): the data
/// folder is 0700, the store's files and admin.key 0600, an older looser folder is closed at the
/// next start, the admin key never appears on the console, and a bundled script still runs.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class DataFolderTests
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string Project = """
        functions:
          shout:
            runtime: exec
            path: shout
            command: ["./shout.sh"]
        """;

    [Fact]
    public async Task Up_UnderUmask000_KeepsTheDataFolderPrivate_AndNeverPrintsTheAdminKey()
    {
        using var dir = new TempDir();
        var data = dir.Combine("data");
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, Project);
        Directory.CreateDirectory(dir.Combine("shout"));
        await File.WriteAllTextAsync(dir.Combine("shout", "shout.sh"), "#!/bin/sh\ntr a-z A-Z\n");
        File.SetUnixFileMode(dir.Combine("shout", "shout.sh"), (UnixFileMode)0b111_101_101);

        string key;
        await using (var first = await UpProcess.StartAsync(data, yml))
        {
            key = (await File.ReadAllTextAsync(Path.Combine(data, "admin.key"))).Trim();
            Assert.StartsWith("fjk_", key, StringComparison.Ordinal);
            using var http = first.Client(key);
            using var invoked = await http.PostAsync(new Uri("/v1/functions/shout/invoke", UriKind.Relative), new StringContent("hej"));
            Assert.Equal(HttpStatusCode.OK, invoked.StatusCode);
            Assert.Equal("HEJ", await invoked.Content.ReadAsStringAsync());

            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(data));
            foreach (var file in new[] { "fjord.db", "fjord.db-wal", "fjord.db-shm", "admin.key", "secrets.key", "sandbox.lock" })
                Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(data, file)));
            Assert.Contains($"admin key written to {Path.Combine(data, "admin.key")}", first.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(key, first.Output, StringComparison.Ordinal);
            Assert.Equal(0, await first.StopAsync());
        }

        // What an older Fjord (or a restore) leaves: everything readable by everyone.
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(data, "admin.key"), (UnixFileMode)0b110_100_100);
        File.SetUnixFileMode(Path.Combine(data, "fjord.db"), (UnixFileMode)0b110_100_100);

        await using var second = await UpProcess.StartAsync(data, yml);
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(data));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(data, "admin.key")));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(data, "fjord.db")));
        Assert.Contains($"admin key: {Path.Combine(data, "admin.key")}", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_WithABadCallbackAllowList_IsAUsageError_OnOneLine()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { FjordNode.FjordDll, "up", "--callback-allow", "10.0.0.1/8" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();

        Assert.Equal(2, p.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--callback-allow", line, StringComparison.Ordinal);
        Assert.Contains("'10.0.0.1/8'", line, StringComparison.Ordinal);
        _ = await stdout;
    }

    /// <summary>`fjord up` under <c>sh -c 'umask 000; exec …'</c>, without FJORD_ADMIN_KEY so the key file is generated.</summary>
    private sealed class UpProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private UpProcess(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        public static async Task<UpProcess> StartAsync(string data, string project)
        {
            var port = FjordNode.FreePort();
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-c", "umask 000; exec dotnet \"$@\"", "sh", FjordNode.FjordDll, "up", "--data", data, "--port", port.ToString(CultureInfo.InvariantCulture), "-f", project })
                psi.ArgumentList.Add(a);
            psi.Environment.Remove("FJORD_ADMIN_KEY");
            var up = new UpProcess(Process.Start(psi)!, port);
            up._process.OutputDataReceived += (_, e) => up.Append(e.Data);
            up._process.ErrorDataReceived += (_, e) => up.Append(e.Data);
            up._process.BeginOutputReadLine();
            up._process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!up.Output.Contains("fjord is up", StringComparison.Ordinal))
            {
                if (up._process.HasExited || DateTime.UtcNow > deadline)
                    throw new InvalidOperationException("fjord up did not start:\n" + up.Output);
                await Task.Delay(50);
            }
            return up;
        }

        public HttpClient Client(string key)
        {
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return http;
        }

        public async Task<int> StopAsync()
        {
            _ = Posix.Kill(_process.Id, Posix.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _ = Posix.Kill(_process.Id, Posix.SigKill);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
                return;
            lock (_output)
                _output.AppendLine(line);
        }
    }
}
