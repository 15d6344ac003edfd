namespace Fjord.Core.Functions;

/// <summary>
/// The wire and file form of one function: one entry of fjord.yml, or the JSON body of
/// <c>PUT /v1/functions/{name}</c>. Everything is optional here; <see cref="FunctionSpec.Parse"/>
/// applies the defaults and says what is wrong.
/// </summary>
public sealed class FunctionDocument
{
    public string? Runtime { get; set; }
    public string? Path { get; set; }
    public string? Handler { get; set; }
    public List<string>? Command { get; set; }
    public string? Mode { get; set; }
    public int? Concurrency { get; set; }
    public string? Timeout { get; set; }
    public string? Memory { get; set; }

    /// <summary>CPU quota in cores (0.5 = half a core).</summary>
    public double? Cpu { get; set; }
    public int? MaxAttempts { get; set; }
    public BackoffDocument? Backoff { get; set; }
    public bool? Network { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public int? MaxQueueDepth { get; set; }
    public string? MaxAge { get; set; }

    /// <summary>Names of the secrets the function may read, as files under /run/secrets.</summary>
    public List<string>? Secrets { get; set; }

    /// <summary>How long ended jobs are kept: <c>{ succeeded: 7d, failed: 30d, canceled: 7d }</c>; unset states take the node's default.</summary>
    public RetentionDocument? Retention { get; set; }

    /// <summary>Content hash of the uploaded bundle; set by the server, ignored on input.</summary>
    public string? Bundle { get; set; }
}

public sealed class BackoffDocument
{
    public string? Initial { get; set; }
    public string? Max { get; set; }
}
