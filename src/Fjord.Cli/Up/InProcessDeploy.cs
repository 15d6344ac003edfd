using Fjord.Cli.Commands;
using Fjord.Core.Functions;
using Fjord.Gateway.Functions;

namespace Fjord.Cli.Up;

/// <summary>
/// `fjord up -f` deploys its project file through the same <see cref="FunctionDeployer"/> the API's
/// PUT endpoints use, without an HTTP client to itself: that client's code stayed resident for the
/// node's whole life. A refused bundle or spec fails `fjord up` with the API's own reasons.
/// </summary>
internal sealed class InProcessDeploy(FunctionDeployer deployer, Gateway.Images.ImageCatalog images) : IDeployTarget
{
    public async Task<bool> UploadImageAsync(string digest, string path, CancellationToken ct)
    {
        if (await images.GetAsync(digest, ct) is not null)
            return false;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        try
        {
            await images.PutAsync(digest, file, ct);
        }
        catch (Core.Storage.ImageRefusedException e)
        {
            throw CliException.Failed($"image {path} was refused: {e.Message}");
        }
        return true;
    }

    public async Task<string> UploadBundleAsync(string name, byte[] zip, CancellationToken ct)
    {
        var put = await deployer.PutBundleAsync(name, zip, ct);
        return put.Hash ?? throw CliException.Failed($"the bundle of '{name}' was refused: {put.Problem}");
    }

    public async Task<bool> PutFunctionAsync(string name, FunctionDocument document, CancellationToken ct)
    {
        var put = await deployer.PutFunctionAsync(name, document, ct);
        return put.State is not null
            ? put.Created
            : throw CliException.Failed($"the spec of '{name}' was refused: {string.Join("; ", put.Errors)}");
    }

    /// <summary>
    /// The node is this process, on the deploying machine itself: there is no other node's
    /// interpreter to compare with (a cluster's workers are checked by `fjord deploy` over the API).
    /// </summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>?> NodeRuntimesAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>?>(new Dictionary<string, IReadOnlyDictionary<string, string>>());
}
