using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fjord.Core.Functions;

/// <summary>
/// <c>concurrency</c> as written in fjord.yml or JSON: a plain number (a fixed pool of that many
/// processes) or <c>{min, max}</c> (an elastic pool). Anything else is kept as
/// <see cref="Invalid"/> so that <see cref="FunctionSpec.Parse"/> can name the field in its 400
/// instead of the body failing to parse as a whole.
/// </summary>
[JsonConverter(typeof(ConcurrencyJsonConverter))]
public sealed class ConcurrencyDocument
{
    /// <summary>The plain-number form.</summary>
    public int? Fixed { get; set; }

    public int? Min { get; set; }
    public int? Max { get; set; }

    /// <summary>The text of a value that is neither form (e.g. <c>many</c>, <c>[1, 2]</c>).</summary>
    public string? Invalid { get; set; }

    public bool IsElastic => Fixed is null && Invalid is null;

    public static implicit operator ConcurrencyDocument(int count) => new() { Fixed = count };

    public static ConcurrencyDocument FromInt32(int count) => new() { Fixed = count };

    public ConcurrencyDocument Copy() => new() { Fixed = Fixed, Min = Min, Max = Max, Invalid = Invalid };

    public override string ToString() => Fixed is { } n
        ? n.ToString(CultureInfo.InvariantCulture)
        : Invalid ?? $"{{min: {Min}, max: {Max}}}";
}

/// <summary>Reads a number or <c>{"min": 0, "max": 16}</c>; writes a fixed pool as a number, as before elastic pools existed.</summary>
public sealed class ConcurrencyJsonConverter : JsonConverter<ConcurrencyDocument>
{
    public override ConcurrencyDocument? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number:
                return reader.TryGetInt32(out var n)
                    ? new ConcurrencyDocument { Fixed = n }
                    : new ConcurrencyDocument { Invalid = reader.GetDouble().ToString(CultureInfo.InvariantCulture) };
            case JsonTokenType.StartObject:
                var doc = new ConcurrencyDocument();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString();
                    reader.Read();
                    int? value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v) ? v : null;
                    if (value is null)
                    {
                        reader.Skip();
                        doc.Invalid = $"{name} is not a whole number";
                        continue;
                    }
                    if (string.Equals(name, "min", StringComparison.OrdinalIgnoreCase))
                        doc.Min = value;
                    else if (string.Equals(name, "max", StringComparison.OrdinalIgnoreCase))
                        doc.Max = value;
                    else
                        doc.Invalid = $"unknown key '{name}'";
                }
                return doc;
            default:
                var text = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : reader.TokenType.ToString();
                reader.Skip();
                return new ConcurrencyDocument { Invalid = text };
        }
    }

    public override void Write(Utf8JsonWriter writer, ConcurrencyDocument value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Fixed is { } n)
        {
            writer.WriteNumberValue(n);
            return;
        }
        writer.WriteStartObject();
        if (value.Min is { } min)
            writer.WriteNumber("min", min);
        if (value.Max is { } max)
            writer.WriteNumber("max", max);
        writer.WriteEndObject();
    }
}
