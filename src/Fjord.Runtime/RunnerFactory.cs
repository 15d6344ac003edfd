using Fjord.Core.Functions;
using Fjord.Core.Images;

namespace Fjord.Runtime;

/// <summary>Makes the runner for one pool slot of a function: warm for python/node/php in warm mode, fork otherwise.</summary>
public static class RunnerFactory
{
    /// <param name="functionDir">The function's unpacked folder on this node, or null for an exec function of the host system.</param>
    /// <param name="image">The function's image, unpacked on this node, when it runs one: its root becomes the sandbox's <c>/</c>.</param>
    public static IFunctionRunner Create(FunctionSpec spec, string? functionDir, RuntimeOptions options, ImageRoot? image = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        if (functionDir is not null)
            functionDir = Path.GetFullPath(functionDir);
        return spec.Mode == RunMode.Warm && spec.Runtime != FunctionRuntime.Exec
            ? new WarmRunner(spec, functionDir, options, image)
            : new ForkRunner(spec, functionDir, options, image);
    }
}
