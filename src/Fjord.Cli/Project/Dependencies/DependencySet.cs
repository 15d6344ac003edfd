namespace Fjord.Cli.Project.Dependencies;

/// <summary>
/// A function's dependencies, built on the deploying machine: the files of <see cref="Folder"/>
/// go into the bundle under <see cref="BundlePath"/> (relative to the function's folder, '/'
/// separated), replacing whatever the function's own folder holds there.
/// </summary>
/// <param name="Summary">What to print on the deploy line, e.g. <c>npm deps (node 20, cached)</c>.</param>
internal sealed record DependencySet(string BundlePath, string Folder, string Summary);
