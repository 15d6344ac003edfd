namespace Fjord.Gateway.Json;

/// <summary>The 202 (or 200 for a repeated idempotency key) answer of <c>POST …/jobs</c>.</summary>
internal sealed class AcceptedJob
{
    public required string Id { get; init; }
    public required string Status { get; init; }
    public required string Function { get; init; }
}

/// <summary>The 202 answer of <c>POST …/jobs:batch</c>, ids in the order of the payloads.</summary>
internal sealed class BatchAccepted
{
    public required IReadOnlyList<string> Ids { get; init; }
}

/// <summary>The body of <c>POST /v1/jobs:retry</c> and <c>:purge</c>: which dead letters (every member optional).</summary>
internal sealed class DeadLetterFilterBody
{
    public string? Function { get; init; }
    public string? ErrorKind { get; init; }
    public string? Since { get; init; }

    /// <summary>With <see cref="Before"/>: delete ended jobs in this state (retention's one-off form), not only dead letters.</summary>
    public string? Status { get; init; }
    public string? Before { get; init; }
}

/// <summary>How many dead letters a bulk retry or purge moved.</summary>
internal sealed class DeadLetterAnswer
{
    public long? Retried { get; init; }
    public long? Purged { get; init; }
}
