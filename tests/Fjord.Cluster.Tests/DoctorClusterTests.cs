using System.Diagnostics;
using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>`fjord doctor --role worker|gateway` against the real broker and store, and against ones that are not there.</summary>
public sealed class DoctorClusterTests
{
    [Fact]
    public async Task Doctor_Gateway_ReachesBrokerAndStoreWithTheirRights()
    {
        var (code, output) = await DoctorAsync(Services.BrokerUri, Services.StoreUri);

        Assert.True(code == 0, output);
        Assert.Contains("ok    broker", output, StringComparison.Ordinal);
        Assert.Contains("ok    store", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_Gateway_NamesTheBrokerAndStoreItCannotReach_ExitOne()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var (code, output) = await DoctorAsync($"amqp://fjord:wrong@127.0.0.1:{port}/fjord", $"postgres://postgres@127.0.0.1:{port}/postgres");

        Assert.Equal(1, code);
        Assert.Matches(@"FAIL  broker .*connect failed.*; fix: ", output);
        Assert.Matches(@"FAIL  store .*cannot connect.*; fix: ", output);
        // No secret in the answer: the broker's password is not printed.
        Assert.DoesNotContain("wrong", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output)> DoctorAsync(string broker, string store) =>
        RunDoctorAsync("gateway", new Dictionary<string, string> { ["FJORD_BROKER"] = broker, ["FJORD_STORE"] = store });

    /// <summary>`fjord doctor --role <paramref name="role"/>` in a process of its own with <paramref name="environment"/>.</summary>
    internal static async Task<(int Code, string Output)> RunDoctorAsync(string role, IReadOnlyDictionary<string, string> environment)
    {
        using var data = new TempFolder();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { NodeProcess.FjordDll, "doctor", "--role", role, "--port", "0", "--data", data.Path })
            info.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(within.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    internal sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("fjord-doctor-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
