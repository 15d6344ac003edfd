using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fjord.Core.Functions;

/// <summary>How the cluster stores (PostgreSQL, Redis) keep a function's spec: its document form as JSON (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionDocument))]
public sealed partial class FunctionSpecJson : JsonSerializerContext
{
    public static string Write(FunctionSpec spec) => JsonSerializer.Serialize(spec.ToDocument(), Default.FunctionDocument);

    public static FunctionSpec Read(string name, string json)
    {
        var document = JsonSerializer.Deserialize(json, Default.FunctionDocument)
            ?? throw new InvalidOperationException($"the stored spec of function '{name}' is empty");
        var errors = new List<string>();
        return FunctionSpec.Parse(name, document, errors)
            ?? throw new InvalidOperationException($"the stored spec of function '{name}' is invalid: {string.Join("; ", errors)}");
    }
}
