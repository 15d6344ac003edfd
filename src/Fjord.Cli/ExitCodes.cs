namespace Fjord.Cli;

/// <summary>The exit codes of CONTRACT §1, which scripts rely on.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The job or operation failed (the gateway answered, and the answer is no).</summary>
    public const int Failed = 1;

    /// <summary>Bad flags, a bad fjord.yml, a bad duration: nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The gateway cannot be reached, or it refused the key (401/403).</summary>
    public const int Unreachable = 3;

    /// <summary>Same code as <see cref="Unreachable"/>: a refused key is as blocking as no gateway.</summary>
    public const int NotAuthorized = 3;

    /// <summary>
    /// `fjord deploy` cannot build a function's dependencies here: this machine's python or node is
    /// not the version the function declares (<c>runtimeVersion</c>), pip or npm failed, or a lock file is missing.
    /// </summary>
    public const int Dependencies = 4;

    /// <summary>The store was written by a newer fjord (its schema is beyond this build's): nothing was opened or changed.</summary>
    public const int StoreTooNew = 5;

    /// <summary>
    /// The backend server is set up so it could lose or evict accepted jobs (Redis: appendfsync,
    /// maxmemory-policy, version, replicas): `fjord gateway` / `fjord worker` refused to start.
    /// </summary>
    public const int BackendUnsafe = 6;

    /// <summary>Interrupted by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
