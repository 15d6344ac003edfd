using System.Text.Json.Serialization;
using Fjord.Core.Functions;

namespace Fjord.Gateway.Json;

/// <summary>A function as the API shows it: the stored spec plus the live state of this node's pool.</summary>
internal sealed class FunctionView
{
    public required string Name { get; init; }
    public required FunctionDocument Spec { get; init; }
    public bool Paused { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public int Workers { get; init; }
    public int Busy { get; init; }
    public bool Healthy { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Problem { get; init; }
}

internal sealed class FunctionList
{
    public required IReadOnlyList<FunctionView> Items { get; init; }
}

internal sealed class BundleAnswer
{
    public required string Bundle { get; init; }
}
