using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fjord.Core.Nodes;

/// <summary>How a <see cref="NodeReport"/> is kept in the store: one JSON text column, so new figures need no schema step.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NodeReport))]
public sealed partial class NodeJson : JsonSerializerContext
{
    public static string Write(NodeReport report) => JsonSerializer.Serialize(report, Default.NodeReport);

    public static NodeReport? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, Default.NodeReport);
        }
        catch (JsonException)
        {
            // A row written by a different Fjord version that this one cannot read is skipped, not fatal.
            return null;
        }
    }
}
