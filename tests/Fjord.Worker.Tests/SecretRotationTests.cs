using Fjord.Core.Functions;
using Fjord.Core.Secrets;
using Fjord.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Worker.Tests;

/// <summary>
/// Rotating a secret reaches warm processes: the worker replaces the pool of every function that
/// names it (new runners, so new processes with the new value) within a reconcile, and leaves
/// the pools of other functions alone.
/// </summary>
public sealed class SecretRotationTests
{
    [Fact]
    public async Task ASecretPut_ReplacesThePoolsOfFunctionsNamingIt_Only()
    {
        await using var f = await WorkerFixture.CreateAsync();
        var vault = new SecretVault(f.Store, SecretKey.Generate());
        await vault.PutAsync("db", [1], default);
        await vault.PutAsync("other", [1], default);
        await f.Store.PutFunctionAsync(Spec("uses-db", ["db"]), default);
        await f.Store.PutFunctionAsync(Spec("plain", []), default);
        var created = new Dictionary<string, int>();
        await using var host = new WorkerHost(f.Store, f.Store, new WorkerOptions
        {
            Node = "test-node",
            BundleDir = Path.Combine(Path.GetTempPath(), "fjord-rotation-" + Guid.NewGuid().ToString("N")),
            CreateRunner = (spec, _) =>
            {
                lock (created)
                    created[spec.Name] = created.GetValueOrDefault(spec.Name) + 1;
                return new ScriptedRunner(f.Gauge, (_, _) => Task.FromResult(new RunResult([], "text/plain", null, "", 1)));
            },
            ReconcileInterval = TimeSpan.FromMilliseconds(100),
            Secrets = f.Store,
        }, NullLogger<WorkerHost>.Instance);
        await host.StartAsync(default);
        await WaitAsync(() => Count(created, "uses-db") == 1 && Count(created, "plain") == 1);

        await vault.PutAsync("other", [2], default);
        await Task.Delay(500);
        Assert.Equal(1, Count(created, "uses-db"));

        await vault.PutAsync("db", [2], default);
        await WaitAsync(() => Count(created, "uses-db") == 2);
        await vault.DeleteAsync("db", default);
        await WaitAsync(() => Count(created, "uses-db") == 3);
        await Task.Delay(300);

        Assert.Equal(3, Count(created, "uses-db"));
        Assert.Equal(1, Count(created, "plain"));
    }

    private static FunctionSpec Spec(string name, string[] secrets) =>
        FunctionSpec.Parse(name, new FunctionDocument { Runtime = "exec", Command = ["true"], Secrets = [.. secrets] }, [])!;

    private static int Count(Dictionary<string, int> created, string name)
    {
        lock (created)
            return created.GetValueOrDefault(name);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
