using System.Text.Json.Serialization;

namespace Fjord.Gateway.Json;

/// <summary>An RFC 9457 problem, with the few extension members Fjord uses.</summary>
internal sealed class ProblemBody
{
    public required string Type { get; init; }
    public required string Title { get; init; }
    public required int Status { get; init; }
    public required string Detail { get; init; }

    /// <summary>Every validation error, not only the first (invalid spec).</summary>
    public IReadOnlyList<string>? Errors { get; init; }

    public string? JobId { get; init; }

    /// <summary>The error kind of a failed sync invocation (exit, exception, timeout, …).</summary>
    public string? Kind { get; init; }

    public string? Message { get; init; }

    public int? ExitCode { get; init; }

    [JsonPropertyName("retryAfterSeconds")]
    public int? RetryAfterSeconds { get; init; }
}
