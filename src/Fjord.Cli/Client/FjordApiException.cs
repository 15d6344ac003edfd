using System.Net;

namespace Fjord.Cli.Client;

/// <summary>The gateway answered with an error; <see cref="CliException.ExitCode"/> follows CONTRACT §1.</summary>
internal sealed class FjordApiException(int exitCode, string message, Problem? problem = null, Exception? inner = null)
    : CliException(exitCode, message, inner)
{
    public Problem? Problem { get; } = problem;

    public HttpStatusCode? Status => Problem?.Status;

    /// <summary>
    /// 401/403 are "cannot get in" (3) like an unreachable gateway: the user must fix the setup,
    /// not the request. 400 means the request itself was wrong (2). Everything else the gateway
    /// says no to is the operation failing (1): 404, 409 wrong state, 413, 429, 5xx.
    /// </summary>
    public static int ExitCodeFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.Unreachable,
        HttpStatusCode.BadRequest => ExitCodes.Usage,
        _ => ExitCodes.Failed,
    };
}
