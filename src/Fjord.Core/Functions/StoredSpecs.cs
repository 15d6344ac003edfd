using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fjord.Core.Functions;

/// <summary>
/// A function's spec as every store keeps it: its document form as JSON (source-generated, no
/// reflection), parsed back through the same validation as a deploy.
/// </summary>
public static class StoredSpecs
{
    public static string Write(FunctionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return JsonSerializer.Serialize(spec.ToDocument(), StoredSpecJson.Default.FunctionDocument);
    }

    public static FunctionSpec Read(string name, string json)
    {
        var document = JsonSerializer.Deserialize(json, StoredSpecJson.Default.FunctionDocument)
            ?? throw new InvalidOperationException($"the stored spec of function '{name}' is empty");
        var errors = new List<string>();
        return FunctionSpec.Parse(name, document, errors)
            ?? throw new InvalidOperationException($"the stored spec of function '{name}' is invalid: {string.Join("; ", errors)}");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionDocument))]
internal sealed partial class StoredSpecJson : JsonSerializerContext;
