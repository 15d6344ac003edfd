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
