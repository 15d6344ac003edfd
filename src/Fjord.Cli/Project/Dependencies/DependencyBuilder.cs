using System.Text.Json;
using Fjord.Core.Functions;

namespace Fjord.Cli.Project.Dependencies;

/// <summary>
/// Builds a folder function's dependencies on the deploying machine, so nodes need no internet and
/// every node runs the same bytes: a python function with <c>requirements.txt</c> beside its
/// handler gets <c>pip install --target</c> into <see cref="PythonBundlePath"/>, a node function
/// with <c>package.json</c> (listing dependencies) and its lock file gets <c>npm ci --omit=dev</c>
/// into <c>node_modules</c>. Built sets are cached by the lock file's hash (see <see cref="DependencyCache"/>).
/// </summary>
internal static class DependencyBuilder
{
    /// <summary>Where pip's packages go in the bundle, beside the handler; the python shim puts it on sys.path.</summary>
    public const string PythonBundlePath = ".fjord/python";

    private static readonly string[] NpmLockFiles = ["npm-shrinkwrap.json", "package-lock.json"];

    /// <summary>The function's dependency set, or null when it declares none.</summary>
    /// <param name="nodes">Compares this machine's interpreter with the live nodes' before anything is built; null checks only the declared version.</param>
    public static Task<DependencySet?> PrepareAsync(ProjectFunction function, DependencySettings settings, NodeInterpreterCheck? nodes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(settings);
        if (function.Folder is not { } folder || function.Spec.Handler is not { } handler)
            return Task.FromResult<DependencySet?>(null);
        var handlerDir = Path.GetDirectoryName(Path.Combine(folder, handler))!;
        var prefix = Path.GetRelativePath(folder, handlerDir).Replace('\\', '/');
        prefix = prefix == "." ? "" : prefix + "/";
        return function.Spec.Runtime switch
        {
            FunctionRuntime.Python => PipAsync(function, handlerDir, prefix, settings, nodes, ct),
            FunctionRuntime.Node => NpmAsync(function, handlerDir, prefix, settings, nodes, ct),
            _ => Task.FromResult<DependencySet?>(null),
        };
    }

    private static async Task<DependencySet?> PipAsync(ProjectFunction function, string handlerDir, string prefix, DependencySettings settings, NodeInterpreterCheck? nodes, CancellationToken ct)
    {
        var requirements = Path.Combine(handlerDir, "requirements.txt");
        if (!File.Exists(requirements))
            return null;
        var version = await InterpreterVersion.ProbeAsync(settings.Python, python: true, ct);
        InterpreterVersion.Check(function.Name, "python", function.Spec.RuntimeVersion, version, "FJORD_PYTHON");
        if (nodes is not null)
            await nodes.CheckAsync(function.Name, "python", version, "FJORD_PYTHON", ct);
        var cache = new DependencyCache(settings.CacheDir);
        var key = DependencyCache.Key("pip", InterpreterVersion.MajorMinor(version), await File.ReadAllTextAsync(requirements, ct), string.Join(' ', settings.PipOptions));
        var (folder, cached) = await cache.GetOrBuildAsync(key, target => ToolRun.RunAsync(settings.Python,
            ["-m", "pip", "install", "--target", target, "--no-compile", "--disable-pip-version-check", "--no-input", "--quiet",
                "-r", requirements, .. settings.PipOptions],
            handlerDir, cache.LogOf(key), ct));
        return new DependencySet(prefix + PythonBundlePath, folder, $"pip deps for python {InterpreterVersion.MajorMinor(version)}{(cached ? ", cached" : "")}");
    }

    private static async Task<DependencySet?> NpmAsync(ProjectFunction function, string handlerDir, string prefix, DependencySettings settings, NodeInterpreterCheck? nodes, CancellationToken ct)
    {
        var packageJson = Path.Combine(handlerDir, "package.json");
        if (!File.Exists(packageJson) || !HasDependencies(packageJson))
            return null;
        var lockFile = NpmLockFiles.Select(f => Path.Combine(handlerDir, f)).FirstOrDefault(File.Exists)
            ?? throw new CliException(ExitCodes.Dependencies,
                $"function '{function.Name}': package.json lists dependencies but there is no package-lock.json beside it; run `npm install` in {handlerDir} and deploy again");
        var version = await InterpreterVersion.ProbeAsync(settings.Node, python: false, ct);
        InterpreterVersion.Check(function.Name, "node", function.Spec.RuntimeVersion, version, "FJORD_NODE");
        if (nodes is not null)
            await nodes.CheckAsync(function.Name, "node", version, "FJORD_NODE", ct);
        var major = version.Split('.')[0];
        var cache = new DependencyCache(settings.CacheDir);
        var key = DependencyCache.Key("npm", major, await File.ReadAllTextAsync(packageJson, ct), Path.GetFileName(lockFile), await File.ReadAllTextAsync(lockFile, ct));
        var (folder, cached) = await cache.GetOrBuildAsync(key, async target =>
        {
            File.Copy(packageJson, Path.Combine(target, "package.json"));
            File.Copy(lockFile, Path.Combine(target, Path.GetFileName(lockFile)));
            await ToolRun.RunAsync(settings.Npm, ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], target, cache.LogOf(key), ct);
            if (!Directory.Exists(Path.Combine(target, "node_modules")))
                Directory.CreateDirectory(Path.Combine(target, "node_modules"));
        });
        return new DependencySet(prefix + "node_modules", Path.Combine(folder, "node_modules"), $"npm deps for node {major}{(cached ? ", cached" : "")}");
    }

    private static bool HasDependencies(string packageJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(packageJson));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("dependencies", out var deps)
                && deps.ValueKind == JsonValueKind.Object
                && deps.EnumerateObject().Any();
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"{packageJson} is not valid JSON: {e.Message}");
        }
    }
}
