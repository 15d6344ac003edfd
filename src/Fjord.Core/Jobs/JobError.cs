namespace Fjord.Core.Jobs;

/// <summary>Why an attempt failed. Stored by name; the wire form is lower case.</summary>
public enum ErrorKind
{
    /// <summary>The process exited non-zero.</summary>
    Exit,
    /// <summary>The handler raised (warm python/node).</summary>
    Exception,
    /// <summary>The attempt ran past the function's timeout and its process tree was killed.</summary>
    Timeout,
    /// <summary>The process died from a signal, or the node running it was lost.</summary>
    Crash,
    /// <summary>The process was killed for exceeding its memory limit.</summary>
    Memory,
    /// <summary>The job waited longer than the function's maxAge and was not run.</summary>
    Expired,
    /// <summary>The job was canceled while it ran.</summary>
    Canceled,
}

public sealed record JobError(ErrorKind Kind, string Message, int? ExitCode = null)
{
    public string KindName => Kind.ToString().ToLowerInvariant();
}
