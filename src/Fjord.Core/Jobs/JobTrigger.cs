using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fjord.Core.Jobs;

/// <summary>
/// What made a job: an HTTP request (<see cref="Http"/>), a schedule's fire time, or a message
/// from a queue trigger. <see cref="Name"/> names the schedule or trigger; <see cref="Context"/>
/// holds a few strings from the source (a message's properties and headers, a fire time) that
/// the job's record and its function see. Stored with the job as one JSON text (<see cref="Pack"/>),
/// so a new kind or context entry needs no schema step; HTTP jobs store nothing.
/// </summary>
public sealed record JobTrigger
{
    public const string Http = "http";
    public const string Schedule = "schedule";
    public const string Amqp = "amqp";

    /// <summary>Bounds on what the store keeps of a context (a publisher controls an AMQP message's headers).</summary>
    public const int MaxContextEntries = 64;
    public const int MaxContextKeyLength = 128;
    public const int MaxContextValueLength = 1024;

    /// <summary>What a job without a stored trigger shows: it came in over HTTP.</summary>
    public static JobTrigger HttpRequest { get; } = new() { Kind = Http };

    /// <summary><c>http</c>, <c>schedule</c> or <c>amqp</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The schedule's or trigger's name; null for HTTP.</summary>
    public string? Name { get; init; }

    /// <summary>Small facts from the source, e.g. an AMQP message's <c>messageId</c> and headers; never secrets.</summary>
    public IReadOnlyDictionary<string, string>? Context { get; init; }

    /// <summary>The stored form; null for an HTTP job without a name or context (nothing worth a column).</summary>
    public static string? Pack(JobTrigger? trigger) =>
        trigger is null || (trigger.Kind == Http && trigger.Name is null && trigger.Context is not { Count: > 0 })
            ? null
            : JsonSerializer.Serialize(Bounded(trigger), TriggerJson.Default.JobTrigger);

    /// <summary>The trigger of a stored job: <see cref="HttpRequest"/> when none was stored (or it cannot be read).</summary>
    public static JobTrigger Unpack(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
            return HttpRequest;
        try
        {
            return JsonSerializer.Deserialize(stored, TriggerJson.Default.JobTrigger) ?? HttpRequest;
        }
        catch (JsonException)
        {
            // Written by a different Fjord version: show the job as HTTP rather than fail its read.
            return HttpRequest;
        }
    }

    /// <summary>Cuts a context to the stored bounds (entries beyond the limit are dropped, long values shortened).</summary>
    private static JobTrigger Bounded(JobTrigger trigger)
    {
        if (trigger.Context is not { } context)
            return trigger;
        var fits = context.Count <= MaxContextEntries;
        foreach (var (key, value) in context)
            fits &= key.Length <= MaxContextKeyLength && value.Length <= MaxContextValueLength;
        if (fits)
            return trigger;
        var bounded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in context)
        {
            if (bounded.Count == MaxContextEntries)
                break;
            if (key.Length <= MaxContextKeyLength)
                bounded[key] = value.Length <= MaxContextValueLength ? value : value[..MaxContextValueLength];
        }
        return trigger with { Context = bounded };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobTrigger))]
internal sealed partial class TriggerJson : JsonSerializerContext;
