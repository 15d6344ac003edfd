using System.Text.Json;
using System.Text.Json.Serialization;
using Fjord.Core.Functions;

namespace Fjord.Storage.Postgres;

/// <summary>The spec column holds the function's document form as JSON (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionDocument))]
internal sealed partial class StoreJson : JsonSerializerContext
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
