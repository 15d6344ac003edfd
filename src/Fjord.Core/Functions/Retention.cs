using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fjord.Core.Functions;

/// <summary>
/// How long ended jobs are kept, per end state, before the retention sweeper deletes them
/// (record, payload, result, logs, attempts, callbacks). Null: the node's default for that state.
/// </summary>
public sealed record Retention(TimeSpan? Succeeded = null, TimeSpan? Failed = null, TimeSpan? Canceled = null)
{
    /// <summary>The node defaults unless the operator sets <c>--retention</c>: a week of successes and cancels, a month of dead letters.</summary>
    public static Retention NodeDefault { get; } = new(TimeSpan.FromDays(7), TimeSpan.FromDays(30), TimeSpan.FromDays(7));

    /// <summary>Longest a retention may be: about a hundred years, so a cutoff never underflows.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(36_500);

    /// <summary>This retention with every unset state taken from <paramref name="defaults"/>.</summary>
    public Retention Over(Retention defaults) => new(Succeeded ?? defaults.Succeeded, Failed ?? defaults.Failed, Canceled ?? defaults.Canceled);

    /// <summary>Parses the fjord.yml / JSON form; each bad field is one error naming it (<c>retention.failed</c>).</summary>
    public static Retention? Parse(RetentionDocument? doc, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (doc is null)
            return null;
        return new Retention(Field("succeeded", doc.Succeeded, errors), Field("failed", doc.Failed, errors), Field("canceled", doc.Canceled, errors));
    }

    /// <summary>The node flag's form: <c>succeeded=7d,failed=30d,canceled=7d</c> (any subset), or one duration for all three.</summary>
    public static Retention? ParseFlag(string text, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        if (!text.Contains('=', StringComparison.Ordinal) && !text.Contains(',', StringComparison.Ordinal) && text.Trim().Length > 0)
            return Parse(RetentionDocument.ForAll(text.Trim()), errors);
        var doc = new RetentionDocument();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            switch (pair[0])
            {
                case "succeeded" when pair.Length == 2: doc.Succeeded = pair[1]; break;
                case "failed" when pair.Length == 2: doc.Failed = pair[1]; break;
                case "canceled" when pair.Length == 2: doc.Canceled = pair[1]; break;
                default:
                    errors.Add($"'{part}' must be succeeded=, failed= or canceled= with a duration like 7d");
                    break;
            }
        }
        return Parse(doc, errors);
    }

    public RetentionDocument ToDocument() => new()
    {
        Succeeded = Succeeded is { } s ? Quantity.FormatDuration(s) : null,
        Failed = Failed is { } f ? Quantity.FormatDuration(f) : null,
        Canceled = Canceled is { } c ? Quantity.FormatDuration(c) : null,
    };

    private static TimeSpan? Field(string name, string? text, List<string> errors)
    {
        if (text is null)
            return null;
        if (Quantity.TryParseDuration(text, out var value) && value > TimeSpan.Zero && value <= Max)
            return value;
        errors.Add($"retention.{name} '{text}' is not a duration like 1h, 7d or 30d");
        return null;
    }
}

/// <summary>
/// The wire and file form of <see cref="Retention"/>: <c>retention: { succeeded: 7d, failed: 30d, canceled: 7d }</c>,
/// or the shorthand <c>retention: 1m</c>, one duration for every ended state.
/// </summary>
[JsonConverter(typeof(RetentionJsonConverter))]
public sealed class RetentionDocument
{
    public string? Succeeded { get; set; }
    public string? Failed { get; set; }
    public string? Canceled { get; set; }

    /// <summary>The shorthand: <paramref name="duration"/> for succeeded, failed and canceled alike.</summary>
    public static RetentionDocument ForAll(string duration) => new() { Succeeded = duration, Failed = duration, Canceled = duration };

    /// <summary>Sets one state's field by its name in the file or JSON; false for a name that is none of them.</summary>
    public bool TrySet(string? name, string? value)
    {
        switch (name?.ToLowerInvariant())
        {
            case "succeeded": Succeeded = value; return true;
            case "failed": Failed = value; return true;
            case "canceled": Canceled = value; return true;
            default: return false;
        }
    }
}

/// <summary>Reads <c>"1m"</c> (the shorthand) or <c>{"succeeded": "7d", ...}</c>; writes the object form.</summary>
public sealed class RetentionJsonConverter : JsonConverter<RetentionDocument>
{
    public override RetentionDocument? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return RetentionDocument.ForAll(reader.GetString() ?? "");
            case JsonTokenType.StartObject:
                var doc = new RetentionDocument();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString();
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                        throw new JsonException($"retention.{name} must be a duration like 7d");
                    if (!doc.TrySet(name, reader.GetString()))
                        throw new JsonException($"unknown key '{name}' in retention (succeeded, failed, canceled)");
                }
                return doc;
            default:
                throw new JsonException("retention must be a duration like 7d or { succeeded, failed, canceled }");
        }
    }

    public override void Write(Utf8JsonWriter writer, RetentionDocument value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (name, text) in new[] { ("succeeded", value.Succeeded), ("failed", value.Failed), ("canceled", value.Canceled) })
        {
            if (text is not null)
                writer.WriteString(name, text);
        }
        writer.WriteEndObject();
    }
}
