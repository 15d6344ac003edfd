using Fjord.Core.Functions;
using Fjord.Core.Images;
using Fjord.Runtime.Processes;

namespace Fjord.Runtime.Images;

/// <summary>One top-level entry of an image's root (or of its /etc): bound read-only, or a symlink recreated as one.</summary>
internal sealed record RootEntry(string Name, string HostPath, string? LinkTarget);

/// <summary>
/// An <see cref="ImageRoot"/> checked and read once for the sandbox: its top-level entries (each
/// bound read-only at the same place), its user, working folder and environment. The sandbox's root
/// is a tmpfs made read-only once everything is mounted, so /proc, /dev, /tmp, /run/secrets and the
/// shims' /fjord/runtime get mount points whatever the image holds.
/// </summary>
internal sealed class RunnableImage
{
    /// <summary>Docker's PATH for an image that sets none.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>What the sandbox provides itself: the image's own entries of these names are not mounted.</summary>
    private static readonly HashSet<string> Provided = new(StringComparer.Ordinal) { "proc", "dev", "sys", "tmp", "run", "fn", "fjord" };

    private RunnableImage(ImageRoot image, ImageUser user, string workingDir, IReadOnlyList<RootEntry> topLevel, IReadOnlyList<RootEntry>? etc, IReadOnlyList<KeyValuePair<string, string>> env)
    {
        Root = image.RootPath;
        Config = image.Config;
        User = user;
        WorkingDir = workingDir;
        TopLevel = topLevel;
        Etc = etc;
        Env = env;
    }

    public string Root { get; }
    public ImageConfig Config { get; }
    public ImageUser User { get; }

    /// <summary>Absolute, as the image sees it; "/" when the image sets none.</summary>
    public string WorkingDir { get; }

    public IReadOnlyList<RootEntry> TopLevel { get; }

    /// <summary>The entries of the image's /etc when it is a real folder (rebuilt entry by entry for a network function's resolv.conf), else null.</summary>
    public IReadOnlyList<RootEntry>? Etc { get; }

    /// <summary>The image's Env, in order, without FJORD_* (Fjord's own names).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; }

    /// <exception cref="FunctionStartException">The root is missing, or the image's User or WorkingDir is not in it.</exception>
    public static RunnableImage Prepare(ImageRoot image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var root = Path.GetFullPath(image.RootPath);
        if (!Directory.Exists(root) || new DirectoryInfo(root).LinkTarget is not null)
            throw new FunctionStartException($"the image's root folder {root} is missing on this node");
        var user = ImageUser.Resolve(image.Config.User, root);
        var workingDir = string.IsNullOrEmpty(image.Config.WorkingDir) ? "/" : ImageFiles.Join("/", image.Config.WorkingDir);
        if (!ImageFiles.IsDirectory(root, workingDir))
            throw new FunctionStartException($"the image's WorkingDir {workingDir} is not a folder in the image (the root is read-only: it must be in the image)");
        var topLevel = Entries(root).Where(e => !Provided.Contains(e.Name)).ToList();
        var etcPath = Path.Combine(root, "etc");
        var etc = Directory.Exists(etcPath) && new DirectoryInfo(etcPath).LinkTarget is null ? Entries(etcPath) : null;
        var env = new List<KeyValuePair<string, string>>();
        foreach (var item in image.Config.Env)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || item.Contains('\0', StringComparison.Ordinal) || item.StartsWith("FJORD_", StringComparison.Ordinal))
                continue;
            env.Add(new(item[..eq], item[(eq + 1)..]));
        }
        return new RunnableImage(image, user, workingDir, topLevel, etc, env);
    }

    /// <summary>
    /// What an exec function runs: the function's own command when it has one, else the image's
    /// Entrypoint followed by its Cmd (Docker's rule). A bare program name is found on the image's
    /// PATH, a relative one from the working folder, both inside the sandbox.
    /// </summary>
    public IReadOnlyList<string> Command(IReadOnlyList<string> functionCommand)
    {
        var command = functionCommand.Count > 0 ? functionCommand : [.. Config.Entrypoint, .. Config.Cmd];
        if (command.Count == 0 || string.IsNullOrEmpty(command[0]))
            throw new FunctionStartException("the image has no Entrypoint or Cmd and the function no command: there is nothing to run");
        return command;
    }

    /// <summary>The image's own interpreter for a warm or fork python/node/php function, looked up on <paramref name="searchPath"/>.</summary>
    /// <exception cref="FunctionStartException">The image has none.</exception>
    public string Interpreter(FunctionRuntime runtime, string searchPath)
    {
        string[] names = runtime switch
        {
            FunctionRuntime.Python => ["python3", "python"],
            FunctionRuntime.Node => ["node", "nodejs"],
            FunctionRuntime.Php => ["php"],
            _ => [],
        };
        var lower = runtime.ToString().ToLowerInvariant();
        return ImageFiles.FindOnPath(Root, searchPath, names)
            ?? throw new FunctionStartException(
                $"the image has no {lower} interpreter ({string.Join(" or ", names)} on PATH {searchPath}): a runtime: {lower} function runs the image's own interpreter; install one in the image, or use runtime: exec");
    }

    /// <summary>
    /// Why bubblewrap, started as host user <paramref name="uid"/>, could not bind the root (a folder
    /// on its way that others may not enter), or null when it can.
    /// </summary>
    public string? UnreachableBy(int uid)
    {
        for (var dir = new DirectoryInfo(Root); dir is not null; dir = dir.Parent)
        {
            if (!OperatingSystem.IsWindows() && (dir.UnixFileMode & UnixFileMode.OtherExecute) == 0)
                return $"the image's root {Root} is not reachable by its user (uid {uid}): {dir.FullName} is not world-searchable (chmod o+x)";
        }
        return null;
    }

    private static List<RootEntry> Entries(string folder)
    {
        var entries = new List<RootEntry>();
        foreach (var info in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (info.LinkTarget is { } target)
                entries.Add(new RootEntry(info.Name, info.FullName, target));
            else if (info is DirectoryInfo || File.Exists(info.FullName))
                entries.Add(new RootEntry(info.Name, info.FullName, null));
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }
}
