namespace Fjord.Gateway.Json;

/// <summary>A secret as the API shows it: never its value. <see cref="Size"/> is in bytes.</summary>
internal sealed class SecretView
{
    public required string Name { get; init; }
    public int Size { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

internal sealed class SecretList
{
    public required IReadOnlyList<SecretView> Items { get; init; }
}
