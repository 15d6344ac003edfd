using System.IO.Compression;
using Fjord.Core.Functions;
using Fjord.Gateway.Functions;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Tests;

/// <summary>
/// The deploy logic `fjord up -f` calls in process (and the PUT endpoints call after auth): the
/// same refusals as the API, and a function the node then serves.
/// </summary>
public sealed class FunctionDeployerTests
{
    [Fact]
    public async Task BundleThenSpec_CreatesTheFunction_ThenUpdatesIt_KeepingItsCode()
    {
        await using var gw = await TestGateway.StartAsync();
        var deployer = gw.App.Services.GetRequiredService<FunctionDeployer>();

        var bundle = await deployer.PutBundleAsync("fn", Zip("handler.py"), default);
        var created = await deployer.PutFunctionAsync("fn", new FunctionDocument { Runtime = "python", Handler = "handler.py", Bundle = bundle.Hash }, default);
        var updated = await deployer.PutFunctionAsync("fn", new FunctionDocument { Runtime = "python", Handler = "handler.py", Concurrency = 3 }, default);

        Assert.NotNull(bundle.Hash);
        Assert.True(created.Created);
        Assert.False(updated.Created);
        Assert.Equal(bundle.Hash, updated.State!.Spec.Bundle);
        Assert.Equal(3, (await gw.Store.GetFunctionAsync("fn", default))!.Spec.Concurrency);
    }

    [Fact]
    public async Task Refusals_SayWhy_AndStoreNothing()
    {
        await using var gw = await TestGateway.StartAsync();
        var deployer = gw.App.Services.GetRequiredService<FunctionDeployer>();

        var notZip = await deployer.PutBundleAsync("fn", [1, 2, 3], default);
        var missingCode = await deployer.PutFunctionAsync("fn", new FunctionDocument { Runtime = "python", Handler = "h.py", Bundle = new string('a', 64) }, default);
        var badSpec = await deployer.PutFunctionAsync("fn", new FunctionDocument { Runtime = "cobol" }, default);

        Assert.Null(notZip.Hash);
        Assert.Contains("not a readable zip", notZip.Problem, StringComparison.Ordinal);
        Assert.Null(missingCode.State);
        Assert.Contains(missingCode.Errors, e => e.Contains("has not been uploaded", StringComparison.Ordinal));
        Assert.Null(badSpec.State);
        Assert.NotEmpty(badSpec.Errors);
        Assert.Null(await gw.Store.GetFunctionAsync("fn", default));
    }

    private static byte[] Zip(string name)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry(name).Open();
            stream.Write("def handle(event, context):\n    return event\n"u8);
        }
        return memory.ToArray();
    }
}
