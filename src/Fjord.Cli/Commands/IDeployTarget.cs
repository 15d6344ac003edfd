using Fjord.Core.Functions;

namespace Fjord.Cli.Commands;

/// <summary>
/// Where `fjord deploy` sends a project's functions: a gateway's API (<see cref="Client.FjordClient"/>),
/// or, for `fjord up -f`, the node's own deploy logic in process (<see cref="Up.InProcessDeploy"/>).
/// </summary>
internal interface IDeployTarget
{
    /// <summary>Stores a zip bundle; returns the content hash it is stored under.</summary>
    Task<string> UploadBundleAsync(string name, byte[] zip, CancellationToken ct);

    /// <summary>Stores the image archive at <paramref name="path"/> under <paramref name="digest"/> unless it is stored already; true when it was uploaded.</summary>
    Task<bool> UploadImageAsync(string digest, string path, CancellationToken ct);

    /// <summary>Creates or updates a function; true when it was created.</summary>
    Task<bool> PutFunctionAsync(string name, FunctionDocument document, CancellationToken ct);

    /// <summary>
    /// Live nodes' interpreter versions (<c>GET /v1/nodes</c>): node id → runtime → version, for the
    /// nodes that report any; null when this target cannot read the nodes (a key without read scope).
    /// </summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>?> NodeRuntimesAsync(CancellationToken ct);
}
