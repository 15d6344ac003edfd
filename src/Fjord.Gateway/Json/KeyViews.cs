using System.Text.Json.Serialization;

namespace Fjord.Gateway.Json;

/// <summary>The body of <c>POST /v1/keys</c>.</summary>
internal sealed class KeyRequest
{
    public string? Name { get; init; }
    public IReadOnlyList<string>? Scopes { get; init; }
    public string? Namespace { get; init; }
    public RateLimitView? RateLimit { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
}

internal sealed class RateLimitView
{
    public int? PerSecond { get; init; }
    public int? Burst { get; init; }
}

/// <summary>A key as the API shows it. <see cref="Key"/> (the secret) only in the answer that created it.</summary>
internal sealed class KeyView
{
    public required string Id { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Name { get; init; }

    public string? Key { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }
    public required string Namespace { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public RateLimitView? RateLimit { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? ExpiresAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? LastUsedAt { get; init; }
}

internal sealed class KeyList
{
    public required IReadOnlyList<KeyView> Items { get; init; }
}
