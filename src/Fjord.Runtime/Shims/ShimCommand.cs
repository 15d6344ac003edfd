using Fjord.Core.Functions;
using Fjord.Runtime.Processes;
using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime.Shims;

/// <summary>The command line that starts a python, node or php shim, with paths as the process will see them.</summary>
internal static class ShimCommand
{
    /// <summary>
    /// Node and PHP cannot dup file descriptors, so a shell moves them before they start: the protocol
    /// goes to fd 3 (out) and fd 4 (in), fd 1 becomes stderr (console.log lands in the log) and
    /// fd 0 becomes /dev/null (user code cannot eat protocol bytes).
    /// </summary>
    internal const string FdScript = "exec 3>&1 4<&0 1>&2 0</dev/null; exec \"$@\"";

    public static IReadOnlyList<string> For(FunctionSpec spec, string? functionDir, RuntimeOptions options, bool sandboxed, string marker, bool once, ImageLaunch? image = null)
    {
        if (image is { } launch)
            return ForImage(spec, functionDir, launch, marker, once);
        var runtimes = sandboxed ? BwrapArgs.RuntimesMount : Path.GetFullPath(options.RuntimesDir);
        var folder = sandboxed ? BwrapArgs.FunctionMount : functionDir;
        var handler = spec.Handler ?? throw new FunctionStartException($"a {spec.Runtime} function needs a handler");
        var handlerPath = folder is null ? handler : Path.Combine(folder, handler);
        if (!sandboxed && !Path.IsPathRooted(handlerPath))
            handlerPath = Path.GetFullPath(handlerPath);

        var tail = new List<string> { handlerPath, "--marker", marker };
        if (once)
            tail.Add("--once");
        return spec.Runtime switch
        {
            FunctionRuntime.Python => [options.PythonPath, Path.Combine(runtimes, "python", "fjord_shim.py"), .. tail],
            FunctionRuntime.Node => ["/bin/sh", "-c", FdScript, "fjord-node", options.NodePath, Path.Combine(runtimes, "node", "fjord_shim.js"), .. tail],
            // Errors and warnings go to stderr (the job's log) whatever the host's php.ini says.
            FunctionRuntime.Php => ["/bin/sh", "-c", FdScript, "fjord-php", options.PhpPath, "-d", "display_errors=stderr", "-d", "log_errors=0",
                "-d", "html_errors=0", Path.Combine(runtimes, "php", "fjord_shim.php"), .. tail],
            _ => throw new FunctionStartException($"{spec.Runtime} functions have no shim"),
        };
    }

    /// <summary>
    /// In an image: the image's own interpreter (found on its PATH) runs the shim mounted at
    /// /fjord/runtime; the handler is in the function's folder when it has one, else relative to
    /// the image's WorkingDir. Node and php get their protocol fds moved outside the sandbox
    /// (<see cref="Processes.LaunchSpec.ProtocolOnFd3"/>), since the image may have no shell.
    /// </summary>
    private static IReadOnlyList<string> ForImage(FunctionSpec spec, string? functionDir, ImageLaunch launch, string marker, bool once)
    {
        var handler = spec.Handler ?? throw new FunctionStartException($"a {spec.Runtime} function needs a handler");
        var handlerPath = functionDir is not null
            ? BwrapArgs.FunctionMount + "/" + handler
            : Images.ImageFiles.Join(launch.Image.WorkingDir, handler);
        var interpreter = launch.Image.Interpreter(spec.Runtime, launch.SearchPath);
        var shims = BwrapArgs.RuntimesMount;
        var tail = new List<string> { handlerPath, "--marker", marker };
        if (once)
            tail.Add("--once");
        return spec.Runtime switch
        {
            FunctionRuntime.Python => [interpreter, shims + "/python/fjord_shim.py", .. tail],
            FunctionRuntime.Node => [interpreter, shims + "/node/fjord_shim.js", .. tail],
            FunctionRuntime.Php => [interpreter, "-d", "display_errors=stderr", "-d", "log_errors=0", "-d", "html_errors=0", shims + "/php/fjord_shim.php", .. tail],
            _ => throw new FunctionStartException($"{spec.Runtime} functions have no shim"),
        };
    }
}

/// <summary>An image shim's start: the image, and the PATH its interpreter is looked up on (the process's own).</summary>
internal readonly record struct ImageLaunch(Images.RunnableImage Image, string SearchPath);
