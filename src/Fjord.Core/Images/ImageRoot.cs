namespace Fjord.Core.Images;

/// <summary>
/// An image ready to run on this node: <paramref name="RootPath"/> is its composed root folder
/// (<see cref="RootComposer"/>), which the runner mounts read-only as the function's <c>/</c>;
/// <paramref name="Config"/> gives its Entrypoint, Cmd, Env, WorkingDir and User. The worker's
/// image cache produces it; the runtime never writes into the root.
/// </summary>
public sealed record ImageRoot(string RootPath, ImageConfig Config);
