namespace Fjord.Cli.Project.Dependencies;

/// <summary>
/// How `fjord deploy` builds dependencies on this machine, from the environment:
/// <c>FJORD_PYTHON</c> (default <c>python3</c>), <c>FJORD_NODE</c> (default <c>node</c>),
/// <c>FJORD_NPM</c> (default <c>npm</c>), <c>FJORD_PIP_OPTIONS</c> (extra pip arguments, split on
/// spaces, e.g. <c>--no-index --find-links /srv/wheels</c>), and the cache folder
/// (<c>$XDG_CACHE_HOME/fjord/deps</c>, else <c>~/.cache/fjord/deps</c>).
/// </summary>
internal sealed record DependencySettings(string Python, string Node, string Npm, IReadOnlyList<string> PipOptions, string CacheDir)
{
    public static DependencySettings From(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string Or(string name, string fallback) => environment(name) is { Length: > 0 } value ? value : fallback;
        var cacheRoot = environment("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Or("HOME", Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)), ".cache");
        var pip = (environment("FJORD_PIP_OPTIONS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new DependencySettings(Or("FJORD_PYTHON", "python3"), Or("FJORD_NODE", "node"), Or("FJORD_NPM", "npm"), pip,
            Path.Combine(cacheRoot, "fjord", "deps"));
    }
}
