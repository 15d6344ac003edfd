using System.Globalization;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Runtime.Images;

namespace Fjord.Runtime.Processes;

/// <summary>The whole environment a function process gets: ours (and an image's), the job's, the function's env. Nothing of the host's.</summary>
internal static class RunnerEnvironment
{
    public const string MinimalPath = "/usr/local/bin:/usr/bin:/bin";

    /// <param name="image">
    /// An image's process starts from Docker's PATH and the image's Env (and HOME from its user),
    /// under Fjord's FJORD_* and the function's env: the function's env wins over the image's.
    /// LANG is the image's business there (C.UTF-8 need not exist in it).
    /// </param>
    public static Dictionary<string, string> For(FunctionSpec spec, RunRequest? request, RunnableImage? image = null)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (image is null)
        {
            env["PATH"] = MinimalPath;
            env["LANG"] = "C.UTF-8";
        }
        else
        {
            env["PATH"] = RunnableImage.DefaultPath;
            env["HOME"] = image.User.Home;
            foreach (var (key, value) in image.Env)
                env[key] = value;
        }
        env["FJORD_FUNCTION"] = spec.Name;
        if (spec.Runtime == FunctionRuntime.Python)
        {
            // The function folder is read-only: no __pycache__ writes.
            env["PYTHONDONTWRITEBYTECODE"] = "1";
            env["PYTHONUNBUFFERED"] = "1";
        }
        if (request is not null)
        {
            env["FJORD_JOB_ID"] = request.JobId;
            env["FJORD_ATTEMPT"] = request.Attempt.ToString(CultureInfo.InvariantCulture);
            if (request.TraceParent is { } traceparent)
                env["TRACEPARENT"] = traceparent;
            if (request.TraceState is { } tracestate)
                env["TRACESTATE"] = tracestate;
            env["FJORD_TRIGGER"] = JobTrigger.Pack(request.Trigger) ?? """{"kind":"http"}""";
        }
        // The function's own env last: it may set PATH or LANG, never FJORD_* (the spec refuses those).
        foreach (var (key, value) in spec.Env)
            env[key] = value;
        return env;
    }
}
