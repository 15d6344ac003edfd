using System.Text.Json.Serialization;
using Fjord.Core.Functions;

namespace Fjord.Storage.Sqlite;

/// <summary>The spec column holds the function's document form as JSON (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionDocument))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class StoreJson : JsonSerializerContext;
