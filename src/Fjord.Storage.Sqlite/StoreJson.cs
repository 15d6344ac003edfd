using System.Text.Json.Serialization;

namespace Fjord.Storage.Sqlite;

/// <summary>JSON columns of the embedded store other than specs (those are <see cref="Fjord.Core.Functions.StoredSpecs"/>): source-generated, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(string[]))]
internal sealed partial class StoreJson : JsonSerializerContext;
